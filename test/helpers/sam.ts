import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from '../../lib/local/sam.ts';

/**
 * What `sam local invoke` does with a template, an `--env-vars` file and an event, without
 * SAM or Docker: the environment it gives the function, the file Lambda's Node.js runtime
 * loads for its Handler, and a run of that file in a process of its own.
 */

interface FunctionProperties {
  readonly Handler: string;
  readonly MemorySize: number;
  readonly Timeout: number;
  readonly Environment?: { readonly Variables?: Record<string, unknown> };
}

export const functionPropertiesOf = (template: Template, logicalId: string): FunctionProperties =>
  template.Resources[logicalId]?.Properties as unknown as FunctionProperties;

/**
 * samcli/local/lambdafn/env_vars.py, EnvironmentVariables.resolve: SAM's own AWS_* variables
 * (placeholder credentials when the shell has none), then each variable the template declares,
 * with the `--env-vars` value for it when there is one. A value for an undeclared name is dropped;
 * a declared value that is not a string (a Ref) becomes "".
 */
export const samResolvedEnvironment = (template: Template, logicalId: string, envVars: Record<string, Record<string, string>>): Record<string, string> => {
  const properties = functionPropertiesOf(template, logicalId);
  const overrides = envVars[logicalId] ?? {};
  return {
    AWS_SAM_LOCAL: 'true',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(properties.MemorySize),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(properties.Timeout),
    AWS_LAMBDA_FUNCTION_HANDLER: properties.Handler,
    AWS_LAMBDA_FUNCTION_NAME: logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `aws/lambda/${logicalId}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '$LATEST',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'defaultkey',
    AWS_SECRET_ACCESS_KEY: 'defaultsecret',
    AWS_ACCOUNT_ID: '123456789012',
    ...Object.fromEntries(
      Object.entries(properties.Environment?.Variables ?? {}).map(([name, value]) => [name, overrides[name] ?? (typeof value === 'string' ? value : '')]),
    ),
  };
};

/** The file Lambda's Node.js runtime loads for a Handler of `<module>.<export>`, if the bundle has it. */
export const handlerFileOf = (assetDir: string, handler: string): string | undefined =>
  ['.mjs', '.js', '.cjs'].map((extension) => join(assetDir, `${handler.slice(0, handler.lastIndexOf('.'))}${extension}`)).find((file) => existsSync(file));

/**
 * Runs in the child, as the runtime does: imports the handler's module, invokes the export on
 * the event with a Lambda context, writes what it returned. The host alias resolves to this
 * machine, as `--add-host <alias>:host-gateway` makes it in SAM's container.
 */
const runtimeScript = `
import dns from 'node:dns';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [file, exportName, eventFile, resultFile, hostAlias] = process.argv.slice(1);
const lookup = dns.lookup;
dns.lookup = (hostname, options, callback) => lookup(hostname === hostAlias ? '127.0.0.1' : hostname, options, callback);
const handler = (await import(pathToFileURL(file).href))[exportName];
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const deadline = Date.now() + Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: name, functionVersion: '$LATEST', memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + name, awsRequestId: crypto.randomUUID(),
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME, logStreamName: '$LATEST', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {}, fail() {}, succeed() {},
};
writeFileSync(resultFile, JSON.stringify((await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context)) ?? null));
process.exit(0);
`;

/** Invokes a bundled handler on an event in a fresh `node` that has only `env`; resolves with what it returned. */
export const runBundledHandler = async (options: {
  readonly handlerFile: string;
  readonly handler: string;
  readonly event: unknown;
  readonly env: Record<string, string>;
  readonly hostAlias: string;
}): Promise<unknown> => {
  const workDir = await mkdtemp(join(tmpdir(), 'switchboard-sam-run-'));
  try {
    const eventFile = join(workDir, 'event.json');
    const resultFile = join(workDir, 'result.json');
    await writeFile(eventFile, JSON.stringify(options.event));
    const exportName = options.handler.slice(options.handler.lastIndexOf('.') + 1);
    const child = spawn(process.execPath, ['--input-type=module', '-e', runtimeScript, options.handlerFile, exportName, eventFile, resultFile, options.hostAlias], {
      cwd: workDir,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${options.handlerFile} exited with ${code}:\n${output}`);
    return JSON.parse(await readFile(resultFile, 'utf8')) as unknown;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
};
