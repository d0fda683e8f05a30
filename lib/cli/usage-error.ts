/** A mistake in how a command was called: printed as is, without a stack, with exit code 2; with `showUsage`, followed by the usage. */
export class UsageError extends Error {
  readonly showUsage: boolean;

  constructor(message: string, { showUsage = false }: { showUsage?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.showUsage = showUsage;
  }
}
