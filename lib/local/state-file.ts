import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LocalStackDescription } from './stack.ts';

/**
 * Where a running `npm start` describes itself (URLs, table names, token secret) for the CLI.
 * SWITCHBOARD_STATE_FILE moves it, so that several stacks (tests) can run side by side.
 */
export const stateFilePath = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SWITCHBOARD_STATE_FILE ?? join(process.cwd(), '.switchboard', 'local.json');

export const writeStateFile = async (path: string, description: LocalStackDescription): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  // It holds the token secret: readable by its owner only.
  await writeFile(path, `${JSON.stringify({ pid: process.pid, ...description }, null, 2)}\n`, { mode: 0o600 });
};

export const readStateFile = async (path: string): Promise<LocalStackDescription> => {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LocalStackDescription;
  } catch {
    throw new Error(`no local stack found (${path}): start one with \`npm start\`, or pass --stack <name> for a deployed one`);
  }
};

export const removeStateFile = (path: string): Promise<void> => rm(path, { force: true });
