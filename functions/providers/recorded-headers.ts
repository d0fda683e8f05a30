/** The headers without those named: a recorded request's old credentials, before it gets new ones. */
export const withoutHeaders = (headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
