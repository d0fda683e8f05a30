import { createHash } from 'node:crypto';
import { PermanentError } from '../../core/errors.ts';

/** A value the caller cannot do without; its absence makes the payload meaningless. */
export const required = <Value>(value: Value | undefined, what: string): Value => {
  if (value === undefined) throw new PermanentError(`missing ${what}`);
  return value;
};

/**
 * A dedupe id for something Meta sends without an id of its own (account updates, feed
 * changes, opt-ins): the same content, retried, gives the same id.
 */
export const contentId = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 32);
