#!/usr/bin/env node
/**
 * `npm run invoke -- <function> <event.json>`: runs one handler on one event against the
 * running local stack (`npm start`), as `sam local invoke` does (lib/local/invoke.ts), and
 * prints what it returned.
 */
import { readFile } from 'node:fs/promises';
import { functionNames, type FunctionName } from '../lib/definitions/functions.ts';
import { invokeLocally } from '../lib/local/invoke.ts';
import { readStateFile, stateFilePath } from '../lib/local/state-file.ts';

const [functionName, eventFile] = process.argv.slice(2);
const isFunctionName = (name: string | undefined): name is FunctionName => functionNames.includes(name as FunctionName);
if (!isFunctionName(functionName) || !eventFile) {
  console.error(`usage: npm run invoke -- <function> <event.json>\n  functions: ${[...functionNames].sort().join(', ')}\n  events:    events/lambda/*.json`);
  process.exit(2);
}

const stack = await readStateFile(stateFilePath()).catch((error: unknown) => {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
try {
  const result = await invokeLocally(functionName, JSON.parse(await readFile(eventFile, 'utf8')), stack);
  console.log(JSON.stringify(result ?? null, null, 2));
} catch (error) {
  console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
