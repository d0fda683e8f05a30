import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * The folder a relative path on the command line means: the one the user typed the command in.
 * `npm start` runs its script in the package's root wherever it was typed, and says where that
 * was in INIT_CWD; run any other way, a command is where it was typed.
 */
export const callerDirectory = (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string =>
  (env.npm_lifecycle_event === 'start' && env.INIT_CWD) || cwd;

/** What the codes mkdir and access fail with mean for a data folder. */
const reasons: Readonly<Record<string, string>> = {
  EEXIST: 'it is a file, not a folder',
  ENOTDIR: 'part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the device',
};

/**
 * The data folder `given` names, relative to `from`: absolute, since DynamoDB Local's JVM runs
 * in a folder of its own, and created when missing. Throws one line naming the folder and what
 * is wrong with it when it cannot hold the data.
 */
export const prepareDataDir = async (given: string, from: string): Promise<string> => {
  const path = resolve(from, given);
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    const { code = '', message } = error as NodeJS.ErrnoException;
    throw new Error(`--data-dir ${path} cannot be used: ${reasons[code] ?? message}`);
  }
  return path;
};
