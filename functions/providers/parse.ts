import * as z from 'zod/mini';
import { PermanentError } from '../core/errors.ts';

/** The value as the schema reads it; a payload that does not fit is quarantined, never retried. */
export const parseAs = <Schema extends z.ZodMiniType>(schema: Schema, value: unknown, what: string): z.output<Schema> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PermanentError(`not ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
};
