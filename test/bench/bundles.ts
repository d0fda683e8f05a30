import { build, type BuildOptions, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { functionDefinitions, type SettingId, type Source, type Variable } from '../../lib/definitions/functions.ts';
import { providerApiBaseUrls } from '../../lib/config.ts';
import { median, round } from './stats.ts';

/**
 * Every function bundled as the CDK bundles it (lib/constructs/handler-function.ts: esbuild,
 * ESM, node24, minified, AWS SDK inside, the createRequire banner, linked source map without
 * sources), next to a bundle of the bare SQS client made the same way; then each bundle's
 * import time in a fresh `node` process.
 */

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

/** A value of each setting that its schema takes (functions/shared/config.ts settingSchemas). */
const settingValues: Readonly<Record<SettingId, string>> = {
  tokenMaxLifetimeSeconds: '3600',
  ingestVisibilityTimeoutSeconds: '180',
  jwtIssuer: 'https://issuer.example',
  jwksUrl: 'https://issuer.example/.well-known/jwks.json',
  jwtAudience: 'switchboard',
  jwtTenantClaim: 'tenant',
  ...providerApiBaseUrls,
  mediaMaxBytes: '26214400',
  mediaAllowedTypes: 'image/*,application/pdf',
  mediaFetchTimeoutSeconds: '15',
  mediaFetchAttempts: '3',
};

/** A dummy value that passes a handler's configuration, for a variable from `source`. */
const dummyValueOf = (source: Source): string => {
  if ('setting' in source) return settingValues[source.setting];
  if ('queue' in source) return 'https://sqs.us-east-1.amazonaws.com/1/q';
  if ('url' in source) return 'https://x.example/prod';
  if ('secret' in source) return 'arn:aws:secretsmanager:us-east-1:1:secret:x';
  return 'x';
};

/**
 * Every variable the functions' definitions (lib/definitions/functions.ts) give them, with a
 * dummy value, in the stack's own token mode: what lets each bundle's configuration pass at
 * import. No NODE_OPTIONS: source maps are measured on their own.
 */
export const handlerEnvironment: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  POWERTOOLS_SERVICE_NAME: 'switchboard',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  ...Object.fromEntries(
    Object.values(functionDefinitions).flatMap((definition) =>
      Object.entries(definition.environment as Readonly<Record<string, Variable>>).flatMap(([name, variable]) =>
        variable.when === 'oidc' ? [] : [[name, dummyValueOf(variable.from)] as const],
      ),
    ),
  ),
};

export const referenceSource = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
export const handler = async () => new SQSClient({}).send(new SendMessageCommand({ QueueUrl: '', MessageBody: '' }));
`;

export const referenceName = 'reference-sqs-client';

/**
 * What the ack cannot do without, made at import as the ack makes it: its SQS and DynamoDB
 * clients and Powertools' Logger and Metrics, and none of its own code. The floor of the ack's
 * import, measured beside the reference to show how much of the ratio is the ack's own.
 */
export const dependencyFloorSource = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
const logger = new Logger();
const metrics = new Metrics({ namespace: 'Switchboard' });
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sqs = new SQSClient({});
export const handler = async () => {
  logger.info('handled');
  metrics.publishStoredMetrics();
  await documents.send(new GetCommand({ TableName: '', Key: {} }));
  return sqs.send(new SendMessageCommand({ QueueUrl: '', MessageBody: '' }));
};
`;

export const dependencyFloorName = 'ack-dependencies-only';

/** The esbuild options the CDK's NodejsFunction derives from HandlerFunction's bundling props. */
export const bundleOptions = (entry: string, outfile: string): BuildOptions & { metafile: true } => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  external: [],
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: root,
});

export interface BuiltBundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly metafile: Metafile;
}

export const handlerNames = async (): Promise<string[]> => {
  const entries = await readdir(join(root, 'functions'), { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    if (await stat(join(root, 'functions', entry.name, 'handler.ts')).then(() => true, () => false)) names.push(entry.name);
  }
  return names.sort();
};

export const buildBundles = async (outDir: string): Promise<BuiltBundle[]> => {
  const references = [
    { name: referenceName, source: referenceSource },
    { name: dependencyFloorName, source: dependencyFloorSource },
  ];
  for (const { name, source } of references) await writeFile(join(outDir, `${name}.ts`), source);
  // Built from the repository so they resolve the same node_modules; their entries live in outDir.
  const entries = [
    ...(await handlerNames()).map((name) => ({ name, entry: join(root, 'functions', name, 'handler.ts') })),
    ...references.map(({ name }) => ({ name, entry: join(outDir, `${name}.ts`) })),
  ];
  const built: BuiltBundle[] = [];
  for (const { name, entry } of entries) {
    const file = join(outDir, `${name}.mjs`);
    const result = await build({ ...bundleOptions(entry, file), nodePaths: [join(root, 'node_modules')] });
    if (!result.metafile) throw new Error(`esbuild wrote no metafile for ${name}`);
    built.push({ name, file, bytes: (await stat(file)).size, mapBytes: (await stat(`${file}.map`)).size, metafile: result.metafile });
  }
  return built;
};

/** Milliseconds a fresh `node` spends in `await import(file)`, measured inside that process. */
export const importTimeMs = async (file: string, nodeOptions: readonly string[] = []): Promise<number> => {
  const script = `const start = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - start));`;
  const { stdout } = await run(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...handlerEnvironment },
    timeout: 30_000,
  });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`import of ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
};

/** The bundle's largest inputs, by bytes they contribute to the output. */
export const largestInputs = (bundle: BuiltBundle, count = 12) => {
  const output = Object.values(bundle.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined) ?? Object.values(bundle.metafile.outputs)[0];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? (path.startsWith('functions/') || path.startsWith('lib/') ? '(switchboard)' : path);
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count).map(([input, bytes]) => ({ input, bytes }));
};

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Median of `runs` fresh processes, plain `node`. */
  readonly importMs: number;
  /** The same with NODE_OPTIONS=--enable-source-maps, as HandlerFunction configures the deployed functions. */
  readonly importMsWithSourceMaps: number;
  readonly importSamplesMs: number[];
  readonly largestInputs: { input: string; bytes: number }[];
}

export interface BundlesResult {
  readonly runs: number;
  readonly bundles: BundleFigures[];
  readonly reference: BundleFigures;
  /** The ack's dependencies alone (dependencyFloorSource). */
  readonly dependencyFloor: BundleFigures;
  readonly ackToReferenceImportRatio: number;
  readonly floorToReferenceImportRatio: number;
  readonly ackToReferenceImportRatioWithSourceMaps: number;
  /** What the ack bundle carries beyond the bare SQS client's: bytes per package, largest first. */
  readonly ackBeyondReference: { input: string; bytes: number }[];
}

export const measureBundles = async (options: { runs?: number } = {}): Promise<BundlesResult> => {
  const runs = options.runs ?? 5;
  const outDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-bundles-'));
  try {
    const built = await buildBundles(outDir);
    const plain = new Map<string, number[]>(built.map((bundle) => [bundle.name, []]));
    const mapped = new Map<string, number[]>(built.map((bundle) => [bundle.name, []]));
    // One warm-up import each (the OS file cache), then the bundles in turn, run after run, so
    // that a burst of noise lands on every bundle rather than on one.
    for (const bundle of built) await importTimeMs(bundle.file);
    for (let i = 0; i < runs; i++) {
      for (const bundle of built) {
        plain.get(bundle.name)?.push(await importTimeMs(bundle.file));
        mapped.get(bundle.name)?.push(await importTimeMs(bundle.file, ['--enable-source-maps']));
      }
    }
    const figures = built.map(
      (bundle): BundleFigures => ({
        name: bundle.name,
        bytes: bundle.bytes,
        sourceMapBytes: bundle.mapBytes,
        importMs: round(median(plain.get(bundle.name) ?? [])),
        importMsWithSourceMaps: round(median(mapped.get(bundle.name) ?? [])),
        importSamplesMs: (plain.get(bundle.name) ?? []).map((ms) => round(ms)),
        largestInputs: largestInputs(bundle),
      }),
    );
    const reference = figures.find((bundle) => bundle.name === referenceName);
    const dependencyFloor = figures.find((bundle) => bundle.name === dependencyFloorName);
    const ack = figures.find((bundle) => bundle.name === 'ack');
    const ackBuilt = built.find((bundle) => bundle.name === 'ack');
    const referenceBuilt = built.find((bundle) => bundle.name === referenceName);
    if (!reference || !dependencyFloor || !ack || !ackBuilt || !referenceBuilt) throw new Error('the ack or a reference bundle is missing');
    const referenceInputs = new Map(largestInputs(referenceBuilt, Infinity).map(({ input, bytes }) => [input, bytes]));
    const ackBeyondReference = largestInputs(ackBuilt, Infinity)
      .map(({ input, bytes }) => ({ input, bytes: bytes - (referenceInputs.get(input) ?? 0) }))
      .filter(({ bytes }) => bytes > 0)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 12);
    return {
      runs,
      bundles: figures.filter((bundle) => bundle !== reference && bundle !== dependencyFloor),
      reference,
      dependencyFloor,
      ackToReferenceImportRatio: round(ack.importMs / reference.importMs),
      floorToReferenceImportRatio: round(dependencyFloor.importMs / reference.importMs),
      ackToReferenceImportRatioWithSourceMaps: round(ack.importMsWithSourceMaps / reference.importMsWithSourceMaps),
      ackBeyondReference,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};
