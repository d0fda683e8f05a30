import { z } from 'zod';
import { ConfigurationError } from '../core/errors.ts';

/**
 * Parses a function's environment once, at cold start. A missing or malformed variable stops
 * the function with every problem named, instead of failing later on a request.
 */
export const readConfig = <Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> => {
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) throw new ConfigurationError(`invalid function configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

export const required = z.string().min(1);
