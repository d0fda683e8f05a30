/**
 * Whether an error comes from a connection refused (nothing listens there), however a client
 * wraps it: the AWS SDK passes node's error on, fetch hides it in `cause`, and a connection
 * tried on several addresses gathers them in an AggregateError.
 */
export const isConnectionRefused = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  return isConnectionRefused(cause) || (Array.isArray(errors) && errors.some(isConnectionRefused));
};
