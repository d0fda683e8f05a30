import {
  commonEnvironment,
  functionDefinitions,
  type FunctionName,
  type Grant,
  type SettingId,
  type Source,
  type TokenMode,
  type Variable,
} from './functions.ts';
import type { BucketId, QueueId, SecretId, TopicId, UrlId } from './functions.ts';
import type { TableId } from './tables.ts';

/**
 * What a function's variables resolve to in one place the stack runs: names, URLs and ARNs
 * from CloudFormation on AWS, from the stand-ins locally. A setting may have no value (an
 * OIDC issuer's, on a stack without one).
 */
export interface ResourceValues {
  readonly tables: Readonly<Record<TableId, string>>;
  readonly queues: Readonly<Partial<Record<QueueId, string>>>;
  readonly buckets: Readonly<Record<BucketId, string>>;
  readonly secrets: Readonly<Record<SecretId, string>>;
  readonly urls: Readonly<Partial<Record<UrlId, string>>>;
  /** Topic ARNs. */
  readonly topics: Readonly<Partial<Record<TopicId, string>>>;
  readonly settings: Readonly<Record<SettingId, string | undefined>>;
  /** Whether inbox tokens are the stack's own (HS256) or an OIDC issuer's. */
  readonly tokenMode: TokenMode;
}

const valueOf = (source: Source, values: ResourceValues): string | undefined => {
  if ('table' in source) return values.tables[source.table];
  if ('queue' in source) return values.queues[source.queue];
  if ('bucket' in source) return values.buckets[source.bucket];
  if ('secret' in source) return values.secrets[source.secret];
  if ('url' in source) return values.urls[source.url];
  if ('topic' in source) return values.topics[source.topic];
  return values.settings[source.setting];
};

/** Whether a variable or grant applies under this token mode. */
const applies = (item: { readonly when?: TokenMode }, tokenMode: TokenMode): boolean => item.when === undefined || item.when === tokenMode;

/**
 * A function's environment, as its definition declares it, resolved against `values`: the
 * same variables on AWS and locally. A variable without a value is an error, except an unset
 * setting (which the function's configuration then reports if it needs it).
 */
export const environmentOf = (name: FunctionName, values: ResourceValues): Record<string, string> => {
  const variables: Readonly<Record<string, Variable>> = functionDefinitions[name].environment;
  const environment: Record<string, string> = { ...commonEnvironment };
  for (const [variable, declared] of Object.entries(variables)) {
    if (!applies(declared, values.tokenMode)) continue;
    const value = valueOf(declared.from, values);
    if (value !== undefined) environment[variable] = value;
    else if (!('setting' in declared.from)) throw new Error(`${name}'s ${variable} comes from ${JSON.stringify(declared.from)}, which this stack does not have`);
  }
  return environment;
};

/** A function's grants that apply under this token mode. */
export const grantsOf = (name: FunctionName, tokenMode: TokenMode): readonly Grant[] =>
  (functionDefinitions[name].grants as readonly Grant[]).filter((grant) => !('secret' in grant) || applies(grant, tokenMode));
