import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs node with `args` to its end, as from a terminal in `cwd`; resolves with the exit code and output, whatever the code. */
export const runNode = (args: readonly string[], { cwd = projectRoot, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Promise<Finished> =>
  new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });

/** The `switchboard` CLI, through the entry `npx switchboard` runs. */
export const runCli = (args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Finished> =>
  runNode([fileURLToPath(new URL('../../bin/switchboard.mjs', import.meta.url)), ...args], options);
