/**
 * A mistake in how a command was called: its message is printed as is, on one line, without a
 * stack, with exit code 2, and followed by `usage` (that of the command called wrongly) when
 * the mistake is in the call itself rather than in a value it was given.
 */
export class UsageError extends Error {
  readonly usage: readonly string[];

  constructor(message: string, { usage = [] }: { usage?: readonly string[] } = {}) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}
