#!/usr/bin/env node
/**
 * The `switchboard` CLI: endpoints, tokens, a live tail, quarantine and the DLQ, against the local stack
 * (`npm start`) or, with --stack <name>, a deployed one.
 */
import { readFile } from 'node:fs/promises';
import { findCommand } from '../lib/cli/commands.ts';
import { print } from '../lib/cli/output.ts';
import { UsageError } from '../lib/cli/usage-error.ts';

const version = async (): Promise<string> =>
  (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const run = async (args: readonly string[]): Promise<number> => {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    print([await version()]);
    return 0;
  }
  const found = findCommand(args);
  if ('command' in found) return found.command.run(found.rest);
  // `switchboard --help`, `switchboard endpoint --help`: the usage asked for is no mistake.
  if (args.includes('--help') || args.includes('-h')) {
    print(found.usage);
    return 0;
  }
  throw new UsageError(found.wrong, { usage: found.usage });
};

/**
 * Every error ends in one line: a wrong usage with exit code 2 (and the usage of the command,
 * when the call itself was wrong), anything else with exit code 1. The error's message says
 * what happened; a stack trace would say where in this code, which is no help to the caller.
 */
try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  const message = `switchboard: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof UsageError) {
    print([message, ...(error.usage.length > 0 ? ['', ...error.usage] : [])], console.error);
    process.exitCode = 2;
  } else {
    print([message], console.error);
    process.exitCode = 1;
  }
}
