import type * as z from 'zod/mini';
import { Refused } from './errors.ts';

/** A GET's query string as API Gateway hands it over. */
export type QueryParameters = Readonly<Record<string, string | undefined>> | null | undefined;

/** The parameters by the schema; a wrong value is a 400 that says, for each, what it takes. */
export const parseQueryParameters = <Schema extends z.ZodMiniType>(schema: Schema, parameters: QueryParameters): z.infer<Schema> => {
  const parsed = schema.safeParse(parameters ?? {});
  if (!parsed.success) throw new Refused('bad_request', parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
};
