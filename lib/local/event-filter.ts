/**
 * Lambda event filtering, for the patterns this project uses: nested objects whose leaves are
 * lists of allowed values. A record matches when every leaf of the pattern matches.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly (string | number | boolean)[] };

export const matchesFilter = (record: unknown, pattern: FilterPattern): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const value = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      return expected.some((allowed) => allowed === value);
    }
    return matchesFilter(value, expected as FilterPattern);
  });
