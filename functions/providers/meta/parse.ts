import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';

/** The value as the schema reads it; a payload that does not fit is quarantined, never retried. */
export const parseAs = <Schema extends z.ZodMiniType>(schema: Schema, value: unknown, what: string): z.output<Schema> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PermanentError(`not ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

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
