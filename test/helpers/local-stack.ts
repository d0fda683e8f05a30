import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalStackDescription } from '../../lib/local/stack.ts';
import { socketUrl } from '../../lib/cli/tail.ts';
import { freePort } from './ports.ts';
import { openSocket, type RecordingSocket } from './sockets.ts';

const root = new URL('../../', import.meta.url).pathname;

export interface LocalStackProcess {
  /** The `npm start` process; its children (DynamoDB Local's JVM) are found from it. */
  readonly pid: number;
  readonly description: LocalStackDescription;
  /** The state file the stack wrote, for commands that find it there. */
  readonly stateFile: string;
  readonly ports: { readonly http: number; readonly ws: number; readonly dynamodb: number; readonly sqs: number };
  readonly output: () => string;
  /** Runs the `switchboard` CLI against this stack; resolves with its stdout, rejects on a non-zero exit. */
  cli(args: readonly string[]): Promise<string>;
  /** Starts a long-running CLI command (tail) and hands back the process. */
  spawnCli(args: readonly string[]): ChildProcess;
  /** Ctrl-C, as a user would; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would: nothing in the process gets to clean up. Resolves once it is gone. */
  kill(): Promise<void>;
}

/** `npm start` in a child process on free ports, with its own state file: what a user runs. */
export const startLocalStackProcess = async (extraEnv: Record<string, string> = {}, args: readonly string[] = []): Promise<LocalStackProcess> => {
  const stateDir = await mkdtemp(join(tmpdir(), 'switchboard-e2e-'));
  const ports = { http: await freePort(), ws: await freePort(), dynamodb: await freePort(), sqs: await freePort() };
  const env = {
    ...process.env,
    PORT: String(ports.http),
    WS_PORT: String(ports.ws),
    DYNAMODB_PORT: String(ports.dynamodb),
    SQS_PORT: String(ports.sqs),
    SWITCHBOARD_STATE_FILE: join(stateDir, 'local.json'),
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['bin/start.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<[number | null]>((resolve) => child.once('exit', (code) => resolve([code])));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const deadline = Date.now() + 60_000;
  while (!output.includes('Ready.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start was not ready within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  const description = JSON.parse(await readFile(env.SWITCHBOARD_STATE_FILE, 'utf8')) as LocalStackDescription;

  const spawnCli = (args: readonly string[]) => spawn(process.execPath, ['bin/switchboard.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    pid: child.pid ?? 0,
    description,
    stateFile: env.SWITCHBOARD_STATE_FILE,
    ports,
    output: () => output,
    spawnCli,
    async cli(args) {
      const cli = spawnCli(args);
      let stdout = '';
      let stderr = '';
      cli.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      cli.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(cli, 'exit')) as [number | null];
      if (code !== 0) throw Object.assign(new Error(`switchboard ${args.join(' ')} exited ${code}: ${stderr}`), { code, stderr });
      return stdout;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        await rm(stateDir, { recursive: true, force: true });
        return child.exitCode;
      }
      child.kill('SIGINT');
      const [code] = (await Promise.race([exited, sleep(20_000).then(() => [undefined])])) as [number | null | undefined];
      if (code === undefined) child.kill('SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
      // Every run through npm start also checks the definitions' grants: a call IAM would refuse on AWS was refused here.
      const denied = output.split('\n').filter((line) => line.startsWith('[access]'));
      if (denied.length > 0) throw new Error(`a function did what its definition does not grant:\n${denied.join('\n')}`);
      return code ?? null;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
};

/** A WebSocket on the stack for one tenant, with a token from the CLI, as `switchboard tail` opens one. */
export const tenantSocket = async (stack: LocalStackProcess, tenant: string): Promise<RecordingSocket> =>
  openSocket(socketUrl(stack.description.wsUrl, (await stack.cli(['token', '--tenant', tenant])).trim()));
