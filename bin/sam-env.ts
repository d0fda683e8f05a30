#!/usr/bin/env node
/**
 * `npm run sam:env`: prints each function's logical id in the synthesized template, and writes
 * what `sam local invoke` needs to run it against the running local stack (`npm start`): a copy
 * of the template SAM can give the local variables to (lib/local/sam.ts), the `--env-vars` file
 * with the stack's addresses as a container reaches them, and the samples of events/lambda/
 * prepared for the stack (lib/local/sample-events.ts). Prints the command for each function.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { functionNames } from '../lib/definitions/functions.ts';
import { defaultHostAlias, functionLogicalIds, samEnvironment, samTemplate, type LambdaArchitecture, type Template } from '../lib/local/sam.ts';
import { functionOfSample, lambdaSamplesDir, prepareSampleEvent } from '../lib/local/sample-events.ts';
import { readStateFile, stateFilePath } from '../lib/local/state-file.ts';

const root = join(import.meta.dirname, '..');
const usage = `usage: npm run sam:env -- [--template <file>] [--out <dir>] [--arch arm64|x86_64] [--host-alias <name>]
  --template    the synthesized template (default cdk.out/Switchboard.template.json, from \`npx cdk synth -q\`)
  --out         where to write template.json, env.json and events/ (default .switchboard/sam)
  --arch        what SAM runs the bundles on (default this machine's; deployed as arm64)
  --host-alias  the name a container reaches this machine by (default ${defaultHostAlias}, mapped by --add-host)`;

const fail = (message: string, code: number): never => {
  console.error(message);
  process.exit(code);
};

const options = (() => {
  try {
    return parseArgs({
      options: {
        template: { type: 'string', default: join(root, 'cdk.out', 'Switchboard.template.json') },
        out: { type: 'string', default: join(root, '.switchboard', 'sam') },
        arch: { type: 'string', default: process.arch === 'arm64' ? 'arm64' : 'x86_64' },
        'host-alias': { type: 'string', default: defaultHostAlias },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`, 2);
  }
})();
if (options.help) {
  console.log(usage);
  process.exit(0);
}
const architectures: readonly LambdaArchitecture[] = ['arm64', 'x86_64'];
const architecture = architectures.find((candidate) => candidate === options.arch) ?? fail(`--arch must be arm64 or x86_64, got "${options.arch}"\n${usage}`, 2);

const stack = await readStateFile(stateFilePath()).catch((error: unknown) => fail(`sam:env failed: ${(error as Error).message}`, 1));
const template = await readFile(options.template, 'utf8').then(
  (text) => JSON.parse(text) as Template,
  () => fail(`no synthesized template at ${options.template}: run \`npx cdk synth -q\` first`, 1),
);
const logicalIds = (() => {
  try {
    return functionLogicalIds(template);
  } catch (error) {
    return fail(`sam:env failed: ${(error as Error).message}`, 1);
  }
})();

const environment = samEnvironment(logicalIds, stack, options['host-alias']);
const files = { template: join(options.out, 'template.json'), env: join(options.out, 'env.json'), events: join(options.out, 'events') };
await mkdir(files.events, { recursive: true });
await writeFile(files.template, `${JSON.stringify(samTemplate(template, { cdkOutDir: dirname(options.template), environment, architecture }), null, 2)}\n`);
await writeFile(files.env, `${JSON.stringify(environment, null, 2)}\n`);
const samples = (await readdir(lambdaSamplesDir)).filter((file) => file.endsWith('.json')).sort();
for (const file of samples) {
  const event = await prepareSampleEvent(JSON.parse(await readFile(join(lambdaSamplesDir, file), 'utf8')), stack);
  await writeFile(join(files.events, file), `${JSON.stringify(event, null, 2)}\n`);
}

const shown = (path: string) => relative(process.cwd(), path) || '.';
const width = Math.max(...functionNames.map((name) => name.length));
console.log(`Written: ${shown(files.template)} (${architecture}), ${shown(files.env)}, ${shown(files.events)}/ (tokens valid 1 h)\n`);
for (const name of functionNames) {
  const sample = samples.find((file) => functionOfSample(file) === name);
  console.log(`${name.padEnd(width)}  ${logicalIds[name]}`);
  console.log(
    `${' '.repeat(width)}  sam local invoke ${logicalIds[name]} -t ${shown(files.template)} --env-vars ${shown(files.env)}` +
      `${sample ? ` -e ${shown(join(files.events, sample))}` : ''} --add-host ${options['host-alias']}:host-gateway`,
  );
}
const listensOn = new URL(stack.functionEndpoints.dynamodb).hostname;
if (listensOn.startsWith('127.') || listensOn === '[::1]') {
  console.log(`\nThe stack listens on loopback only: Docker on Linux cannot reach it there. Start it with HOST=0.0.0.0 npm start (or HOST=<docker0's address>).`);
}
console.log(`\nRun this again after every npm start (its stand-ins' ports change), every cdk synth, and within the hour for fresh tokens.`);
