import * as z from 'zod/mini';
import { ConfigurationError } from '../core/errors.ts';

/**
 * Parses a function's environment once, at cold start. A missing or malformed variable stops
 * the function with every problem named, instead of failing later on a request.
 */
export const readConfig = <Shape extends Record<string, z.ZodMiniType>>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodMiniObject<Shape>> => {
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) throw new ConfigurationError(`invalid function configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

export const required = z.string().check(z.minLength(1));
