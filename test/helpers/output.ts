/** What a stream has carried so far, as text: a CLI process's stdout or stderr while it runs. */
export const textOf = (stream: NodeJS.ReadableStream | null) => {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
};
