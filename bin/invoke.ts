#!/usr/bin/env node
/**
 * `npm run invoke -- <function> <event.json>`: runs one handler on one event, as
 * `sam local invoke` does, in a worker of its own with the environment the running local stack
 * (`npm start`) gives that function, stopped at its timeout, and prints what it returned.
 */
import { readFile } from 'node:fs/promises';
import { functionNames, type FunctionName } from '../lib/definitions/functions.ts';
import { invokeWithTimeout, timeoutOf } from '../lib/local/lambda-context.ts';
import { localEnvironmentOf } from '../lib/local/stack.ts';
import { readStateFile, stateFilePath } from '../lib/local/state-file.ts';
import { WorkerFunction } from '../lib/local/worker-function.ts';

const [functionName, eventFile] = process.argv.slice(2);
const isFunctionName = (name: string | undefined): name is FunctionName => functionNames.includes(name as FunctionName);
if (!isFunctionName(functionName) || !eventFile) {
  console.error(`usage: npm run invoke -- <function> <event.json>\n  functions: ${[...functionNames].sort().join(', ')}\n  events:    events/lambda/*.json`);
  process.exit(2);
}

const fn = new WorkerFunction(functionName, localEnvironmentOf(functionName, await readStateFile(stateFilePath()).catch((error: unknown) => {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
})));
try {
  const event: unknown = JSON.parse(await readFile(eventFile, 'utf8'));
  const result = await invokeWithTimeout(fn.handler, event, { functionName, timeoutSeconds: timeoutOf(functionName), consequence: 'the invocation failed' });
  console.log(JSON.stringify(result ?? null, null, 2));
} catch (error) {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await fn.stop();
}
