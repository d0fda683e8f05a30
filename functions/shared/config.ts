import * as z from 'zod/mini';
import { functionDefinitions, type FunctionName, type SettingId, type Source, type Variable } from '../../lib/definitions/functions.ts';
import { ConfigurationError } from '../core/errors.ts';

const nonEmpty = z.string().check(z.minLength(1));
const wholeSecondsAtLeast = (minimum: number) => z.coerce.number().check(z.int(), z.gte(minimum));

/** A leaked token is good until it expires: a week is the most any stack may allow. */
export const maxTokenLifetimeSeconds = 7 * 24 * 3600;

/**
 * How each setting a function is given is checked: at synth on the stack's settings
 * (lib/config.ts), and at cold start on the variable that carries it. One schema for both, so
 * that nothing a synth accepts can stop a function from starting.
 */
export const settingSchemas = {
  tokenMaxLifetimeSeconds: wholeSecondsAtLeast(60).check(z.lte(maxTokenLifetimeSeconds)),
  ingestVisibilityTimeoutSeconds: wholeSecondsAtLeast(1),
  // A deployed stack takes https only (lib/config.ts); a test's issuer on loopback is http.
  jwtIssuer: z.url(),
  jwksUrl: z.url(),
  jwtAudience: nonEmpty,
  jwtTenantClaim: nonEmpty,
  twilioApiBaseUrl: z.url(),
  graphApiBaseUrl: z.url(),
  sendgridApiBaseUrl: z.url(),
  mailgunApiBaseUrl: z.url(),
  androidGatewayApiBaseUrl: z.url(),
  mediaMaxBytes: z.coerce.number().check(z.int(), z.gte(1)),
  // Carried comma-separated in one variable.
  mediaAllowedTypes: z.pipe(z.string().check(z.minLength(1)), z.transform((value: string) => value.split(','))),
  mediaFetchTimeoutSeconds: wholeSecondsAtLeast(1),
  mediaFetchAttempts: z.coerce.number().check(z.int(), z.gte(1)),
} as const satisfies Record<SettingId, z.ZodMiniType>;

/** Names, ARNs and ids are non-empty strings; queue and API URLs are URLs; a setting has its own schema. */
const schemaOf = (source: Source): z.ZodMiniType =>
  'setting' in source ? settingSchemas[source.setting] : 'queue' in source || 'url' in source ? z.url() : nonEmpty;

type Environment<Name extends FunctionName> = (typeof functionDefinitions)[Name]['environment'];
type ValueOf<V> = V extends { readonly from: { readonly setting: infer S extends SettingId } } ? z.output<(typeof settingSchemas)[S]> : string;
type Conditional<V> = V extends { readonly when: string } ? true : false;

/**
 * A function's configuration, as its definition declares it: exactly its variables, typed, the
 * ones that belong to one token mode optional. Reading any other is a type error.
 */
export type ConfigOf<Name extends FunctionName> = {
  readonly [K in keyof Environment<Name> as Conditional<Environment<Name>[K]> extends true ? never : K]: ValueOf<Environment<Name>[K]>;
} & {
  readonly [K in keyof Environment<Name> as Conditional<Environment<Name>[K]> extends true ? K : never]?: ValueOf<Environment<Name>[K]>;
};

/**
 * Parses a function's environment once, at cold start, against its definition
 * (lib/definitions/functions.ts). A missing or malformed variable stops the function with every
 * problem named, instead of failing later on a request.
 */
export const configOf = <Name extends FunctionName>(name: Name, env: NodeJS.ProcessEnv = process.env): ConfigOf<Name> => {
  const variables: Readonly<Record<string, Variable>> = functionDefinitions[name].environment;
  const shape = Object.fromEntries(
    Object.entries(variables).map(([variable, { from, when }]) => [variable, when ? z.optional(schemaOf(from)) : schemaOf(from)]),
  );
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) throw new ConfigurationError(`invalid configuration of the ${name} function:\n${z.prettifyError(parsed.error)}`);
  return parsed.data as ConfigOf<Name>;
};
