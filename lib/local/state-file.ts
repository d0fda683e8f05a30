import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStackDescription } from './stack.ts';

/**
 * Where a running `npm start` describes itself (URLs, table names, token secret) for the CLI:
 * `.switchboard/local.json` at the root of the project this code belongs to, so that the CLI
 * and `npm run invoke` find it from any folder (the same answer as walking up from a folder
 * of the project, and one from outside it too). SWITCHBOARD_STATE_FILE moves it, so that
 * several stacks (tests) can run side by side.
 */
export const stateFilePath = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SWITCHBOARD_STATE_FILE ?? fileURLToPath(new URL('../../.switchboard/local.json', import.meta.url));

/** What a command says when the stack a state file describes is gone. */
export const localStackNotRunning = 'the local stack is not running (its state file is from a stopped npm start): start it with `npm start`';

/** The file holds the description and the id of the process that wrote it. */
type StateFile = LocalStackDescription & { readonly pid?: number };

/** Whether a process runs under this id; one of another user answers EPERM, and it is running. */
const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const writeStateFile = async (path: string, description: LocalStackDescription): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  // It holds the token secret: readable by its owner only.
  await writeFile(path, `${JSON.stringify({ pid: process.pid, ...description }, null, 2)}\n`, { mode: 0o600 });
};

/**
 * The description of the running local stack. A stack killed outright (kill -9, a crash) leaves
 * its file behind: one whose process is gone is refused here, rather than ending in a bare
 * ECONNREFUSED from the first client that tries it.
 */
export const readStateFile = async (path: string): Promise<LocalStackDescription> => {
  let state: StateFile;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as StateFile;
  } catch {
    throw new Error(`no local stack found (${path}): start one with \`npm start\`, or pass --stack <name> for a deployed one`);
  }
  if (state.pid !== undefined && !isRunning(state.pid)) throw new Error(localStackNotRunning);
  return state;
};

export const removeStateFile = (path: string): Promise<void> => rm(path, { force: true });
