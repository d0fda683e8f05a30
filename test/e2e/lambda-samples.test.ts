import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitions, functionNames, type FunctionName, type Variable } from '../../lib/definitions/functions.ts';
import { invokeLocally } from '../../lib/local/invoke.ts';
import { defaultHostAlias, functionLogicalIds, samEnvironmentOf, type Template } from '../../lib/local/sam.ts';
import { functionOfSample, lambdaSamplesDir, prepareSampleEvent } from '../../lib/local/sample-events.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { functionPropertiesOf, handlerFileOf, runBundledHandler, samResolvedEnvironment } from '../helpers/sam.ts';

/**
 * Every sample in events/lambda/ answers on a fresh `npm start` through `npm run invoke`, and
 * what `npm run sam:env` writes lets `sam local invoke` run the synthesized bundles on them
 * with the same answers. SAM and Docker are not here: what SAM relies on is checked on the
 * template, and each bundle is run as SAM's container would run it.
 */

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** The samples, in the order a user would try them: a webhook first, its conversation read after it is stored. */
const samples = (await readdir(lambdaSamplesDir))
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, functionName: functionOfSample(file) }))
  .sort((a, b) => functionNames.indexOf(a.functionName as FunctionName) - functionNames.indexOf(b.functionName as FunctionName));
const sampleOf = async (file: string): Promise<unknown> => JSON.parse(await readFile(join(lambdaSamplesDir, file), 'utf8'));

/** What a caller sees of an answer: its status and type, or the batch's failures. */
const outcomeOf = (result: unknown) => {
  const answer = result as { statusCode?: number; headers?: Record<string, string>; batchItemFailures?: unknown[] } | null;
  return { statusCode: answer?.statusCode, contentType: answer?.headers?.['content-type'], batchItemFailures: answer?.batchItemFailures };
};

let stack: LocalStackProcess;
let cdkOut: string;
const invoked = new Map<FunctionName, unknown>();

beforeAll(async () => {
  cdkOut = await mkdtemp(join(tmpdir(), 'switchboard-cdk-out-'));
  const { context } = JSON.parse(await readFile(join(root, 'cdk.json'), 'utf8')) as { context: object };
  // What `npx cdk synth -q` runs, without the CLI's calls home: the app, handed cdk.json's
  // context and the output folder, and asked for the metadata the CLI asks for (SAM reads both).
  const cliContext = { ...context, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true };
  const synth = run(process.execPath, ['bin/app.ts'], { cwd: root, env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(cliContext), CDK_OUTDIR: cdkOut } });
  [stack] = await Promise.all([startLocalStackProcess(), synth]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await rm(cdkOut, { recursive: true, force: true });
});

describe('npm run invoke on events/lambda/', () => {
  it('has one sample for every function, named after it', () => {
    expect(samples.map(({ functionName }) => functionName).sort()).toEqual([...functionNames].sort());
  });

  it.each(samples)('answers $file on a fresh stack', async ({ file, functionName }) => {
    const result = await invokeLocally(functionName as FunctionName, await sampleOf(file), stack.description);
    invoked.set(functionName as FunctionName, result);

    const { statusCode, batchItemFailures } = outcomeOf(result);
    // 202: the reply sample is accepted and queued.
    expect(functionName === 'send' ? 202 : 200).toBe(statusCode ?? 200);
    expect(batchItemFailures ?? []).toEqual([]);
  });

  it("stores the processor's sample, which the query's sample then reads", () => {
    const { conversations } = JSON.parse((invoked.get('query') as { body: string }).body) as { conversations: { lastMessagePreview: string }[] };

    expect(conversations).toEqual([expect.objectContaining({ lastMessagePreview: 'Hi! Is my order #1042 on its way? 📦' })]);
  });

  it('runs from the command line, against the stack its state file names', async () => {
    const { stdout } = await run(process.execPath, ['bin/invoke.ts', 'ack', 'events/lambda/ack-twilio.json'], {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_STATE_FILE: stack.stateFile },
    });

    expect(JSON.parse(stdout)).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/xml' } });
  });
});

describe('sam local invoke with what npm run sam:env writes', () => {
  let samDir: string;
  let output: string;
  let synthesized: Template;
  let template: Template;
  let envVars: Record<string, Record<string, string>>;
  let logicalIds: Record<FunctionName, string>;

  beforeAll(async () => {
    samDir = await mkdtemp(join(tmpdir(), 'switchboard-sam-'));
    ({ stdout: output } = await run(process.execPath, ['bin/sam-env.ts', '--template', join(cdkOut, 'Switchboard.template.json'), '--out', samDir, '--arch', 'x86_64'], {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_STATE_FILE: stack.stateFile },
    }));
    const json = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;
    synthesized = await json<Template>(join(cdkOut, 'Switchboard.template.json'));
    template = await json<Template>(join(samDir, 'template.json'));
    envVars = await json(join(samDir, 'env.json'));
    logicalIds = functionLogicalIds(synthesized);
  });

  afterAll(() => rm(samDir, { recursive: true, force: true }));

  it("prints each function's logical id and the command that invokes it on its sample", () => {
    for (const name of functionNames) {
      const properties = functionPropertiesOf(synthesized, logicalIds[name]);
      const sample = samples.find(({ functionName }) => functionName === name)?.file ?? '';

      // The id is the function's: its size and its variables are the definition's.
      expect([properties.MemorySize, properties.Timeout]).toEqual([functionDefinitions[name].memoryMb, functionDefinitions[name].timeoutSeconds]);
      const declared = Object.entries(functionDefinitions[name].environment as Record<string, Variable>).filter(([, variable]) => variable.when !== 'oidc');
      expect(Object.keys(properties.Environment?.Variables ?? {})).toEqual(expect.arrayContaining(declared.map(([variable]) => variable)));
      expect(output).toContain(`sam local invoke ${logicalIds[name]} -t `);
      expect(output).toContain(join('events', sample));
    }
    expect(output).toContain(`--add-host ${defaultHostAlias}:host-gateway`);
  });

  it("finds each function's bundle where SAM looks for it: the asset's folder, and the Handler's file in it", async () => {
    for (const logicalId of Object.values(logicalIds)) {
      const resource = template.Resources[logicalId]!;
      const assetDir = String(resource.Metadata?.['aws:asset:path']);

      expect(resource.Metadata).toMatchObject({ 'aws:asset:property': 'Code', 'aws:asset:is-bundled': true });
      expect(isAbsolute(assetDir) && (await stat(assetDir)).isDirectory()).toBe(true);
      expect(assetDir.startsWith(cdkOut)).toBe(true);
      expect(handlerFileOf(assetDir, functionPropertiesOf(template, logicalId).Handler)).toBeDefined();
      expect(resource.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['x86_64'] });
    }
    // Deployed as built: arm64.
    expect(Object.values(logicalIds).map((logicalId) => synthesized.Resources[logicalId]?.Properties?.Architectures)).toEqual(functionNames.map(() => ['arm64']));
  });

  it('declares every variable of the env-vars file, since SAM sets no other', () => {
    for (const logicalId of Object.values(logicalIds)) {
      const environment = samResolvedEnvironment(template, logicalId, envVars);

      expect(environment).toMatchObject(envVars[logicalId] ?? { missing: logicalId });
    }
  });

  it('points each function at the stack through the host alias, and leaves the URL providers sign as it is', () => {
    for (const name of functionNames) {
      const environment = samEnvironmentOf(name, stack.description, defaultHostAlias);
      const calledUrls = Object.entries(environment).filter(([variable, value]) => /^(https?|wss?):/.test(value) && variable !== 'PUBLIC_BASE_URL');

      expect(envVars[logicalIds[name]]).toEqual(environment);
      expect(calledUrls.filter(([, value]) => new URL(value).hostname !== defaultHostAlias)).toEqual([]);
      if (name === 'ack') expect(environment.PUBLIC_BASE_URL).toBe(stack.description.publicBaseUrl);
    }
  });

  it.each(functionNames)("runs %s's bundle on its sample, with only SAM's environment, and answers as npm run invoke did", async (name) => {
    const logicalId = logicalIds[name];
    const { Handler } = functionPropertiesOf(template, logicalId);
    const sample = samples.find(({ functionName }) => functionName === name)?.file ?? '';

    const result = await runBundledHandler({
      handlerFile: handlerFileOf(String(template.Resources[logicalId]?.Metadata?.['aws:asset:path']), Handler) ?? '',
      handler: Handler,
      event: JSON.parse(await readFile(join(samDir, 'events', sample), 'utf8')),
      env: samResolvedEnvironment(template, logicalId, envVars),
      hostAlias: defaultHostAlias,
    });

    expect(outcomeOf(result)).toEqual(outcomeOf(invoked.get(name)));
  });

  it('writes the samples prepared for the stack, as npm run invoke prepares them', async () => {
    const tokensHidden = (event: unknown) => JSON.stringify(event).replaceAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '<token>');

    for (const { file } of samples) {
      const written = JSON.parse(await readFile(join(samDir, 'events', file), 'utf8')) as unknown;
      const prepared = await prepareSampleEvent(await sampleOf(file), stack.description);

      expect(tokensHidden(written)).toBe(tokensHidden(prepared));
      expect(JSON.stringify(written)).not.toContain('{{');
    }
  });
});
