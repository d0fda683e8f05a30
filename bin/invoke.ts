#!/usr/bin/env node
/**
 * `npm run invoke -- <function> <event.json>`: runs one handler on one event, as
 * `sam local invoke` does, with the configuration the running local stack (`npm start`)
 * gives its functions, and prints what the handler returned.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { invokeWithTimeout, loadHandler, timeoutOf } from '../lib/local/lambda-context.ts';
import { useLocalFunctionEnvironment } from '../lib/local/stack.ts';
import { readStateFile, stateFilePath } from '../lib/local/state-file.ts';

const functionsDir = new URL('../functions/', import.meta.url);
const functions = (await readdir(functionsDir, { withFileTypes: true }))
  .filter((entry) => existsSync(new URL(`${entry.name}/handler.ts`, functionsDir)))
  .map((entry) => entry.name)
  .sort();

const [functionName, eventFile] = process.argv.slice(2);
if (!functionName || !eventFile || !functions.includes(functionName)) {
  console.error(`usage: npm run invoke -- <function> <event.json>\n  functions: ${functions.join(', ')}\n  events:    events/lambda/*.json`);
  process.exit(2);
}

try {
  const event: unknown = JSON.parse(await readFile(eventFile, 'utf8'));
  useLocalFunctionEnvironment(await readStateFile(stateFilePath()));
  const handler = await loadHandler(functionName);
  const result = await invokeWithTimeout(handler, event, { functionName, timeoutSeconds: timeoutOf(functionName), consequence: 'the invocation failed' });
  console.log(JSON.stringify(result ?? null, null, 2));
} catch (error) {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
