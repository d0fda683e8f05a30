import { isAbsolute, resolve } from 'node:path';
import { functionDefinitions, functionNames, type FunctionName, type Variable } from '../definitions/functions.ts';
import { localEnvironmentOf, type LocalStackDescription } from './stack.ts';

/**
 * What `sam local invoke` needs to run the synthesized functions against the running local
 * stack (bin/sam-env.ts writes it). SAM sets only the variables a function's template declares
 * (samcli/local/lambdafn/env_vars.py: an `--env-vars` value for any other name is dropped),
 * and the synthesized template declares what the function gets on AWS, not the local
 * endpoints (AWS_ENDPOINT_URL_*), the function's own key or the local log settings. So SAM gets
 * a copy of the template that declares them too, and the `--env-vars` file gives their values.
 */

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

export type LambdaArchitecture = 'arm64' | 'x86_64';

/** SAM's `--env-vars` file: each function's variables, by logical id. */
export type SamEnvironment = Record<string, Record<string, string>>;

/**
 * The name a SAM container reaches this machine by, mapped with `--add-host <name>:host-gateway`.
 * Not host.docker.internal: fauxqs reads a dotted Host header as an S3 bucket's virtual host
 * (`bucket.host:port`), so every S3 call to host.docker.internal would go to a bucket named "host".
 */
export const defaultHostAlias = 'switchboard-host';

/** HandlerFunction's construct id in every construct of the stack: `AckFunction`, `ProcessorFunction`, … */
const constructIdOf = (name: FunctionName): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;

/** Each function's logical id in a synthesized Switchboard template. */
export const functionLogicalIds = (template: Template): Record<FunctionName, string> =>
  Object.fromEntries(
    functionNames.map((name) => {
      const ids = Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && String(resource.Metadata?.['aws:cdk:path']).endsWith(`/${constructIdOf(name)}/Resource`))
        .map(([logicalId]) => logicalId);
      if (ids.length !== 1) throw new Error(`the template has ${ids.length} functions named ${constructIdOf(name)}: is it Switchboard's, from \`npx cdk synth -q\`?`);
      return [name, ids[0]];
    }),
  ) as Record<FunctionName, string>;

/** Lambda's runtime sets these itself, and so does SAM's container (the function's name, memory and version). */
const setByRuntime = (variable: string): boolean => variable.startsWith('AWS_LAMBDA_');

/** The URL providers call (PUBLIC_BASE_URL) is what they sign, not an address the function calls: it stays as it is. */
const isCalledUrl = (name: FunctionName, variable: string): boolean =>
  JSON.stringify((functionDefinitions[name].environment as Readonly<Record<string, Variable>>)[variable]?.from) !== JSON.stringify({ url: 'webhookBase' });

/** `http://127.0.0.1:4566/000000000000/switchboard-ingest` → `http://host.docker.internal:4566/000000000000/switchboard-ingest`. */
const onHost = (value: string, hostAlias: string): string => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return value;
  return `${url.protocol}//${hostAlias}${url.port ? `:${url.port}` : ''}${value.slice(url.origin.length)}`;
};

/**
 * Each function's local environment (what `npm start` and `npm run invoke` give it), with the
 * addresses it calls moved to `hostAlias`, the name a container reaches this machine by.
 */
export const samEnvironmentOf = (name: FunctionName, stack: LocalStackDescription, hostAlias: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(localEnvironmentOf(name, stack))
      .filter(([variable]) => !setByRuntime(variable))
      .map(([variable, value]) => [variable, isCalledUrl(name, variable) ? onHost(value, hostAlias) : value]),
  );

export const samEnvironment = (logicalIds: Record<FunctionName, string>, stack: LocalStackDescription, hostAlias: string): SamEnvironment =>
  Object.fromEntries(functionNames.map((name) => [logicalIds[name], samEnvironmentOf(name, stack, hostAlias)]));

export interface SamTemplateOptions {
  /** Where the template was synthesized: its assets' paths are relative to it. */
  readonly cdkOutDir: string;
  readonly environment: SamEnvironment;
  readonly architecture: LambdaArchitecture;
}

/**
 * The synthesized template as SAM runs it locally: every variable of the `--env-vars` file
 * declared (empty: the file gives the values), the assets' paths absolute so that it can be
 * kept outside cdk.out, and the architecture to run the bundles on.
 */
export const samTemplate = (template: Template, { cdkOutDir, environment, architecture }: SamTemplateOptions): Template => {
  const resources = structuredClone(template.Resources);
  for (const [logicalId, variables] of Object.entries(environment)) {
    const resource = resources[logicalId];
    if (!resource?.Properties || !resource.Metadata) throw new Error(`the template has no function ${logicalId}`);
    const declared = (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    resource.Properties.Environment = { Variables: { ...Object.fromEntries(Object.keys(variables).map((variable) => [variable, ''])), ...declared } };
    resource.Properties.Architectures = [architecture];
    const assetPath = String(resource.Metadata['aws:asset:path']);
    resource.Metadata['aws:asset:path'] = isAbsolute(assetPath) ? assetPath : resolve(cdkOutDir, assetPath);
  }
  return { ...template, Resources: resources };
};
