import { execFileSync } from 'node:child_process';

/**
 * The ids of the DynamoDB Local JVMs serving this port, found by their command line (the
 * JVM is not a child of the test: it belongs to the stack under test, or to nobody once that
 * stack was killed).
 */
export const dynamoDbLocalPids = (port: number): number[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && new RegExp(`-port ${port}(\\s|$)`).test(line))
    .map((line) => Number.parseInt(line.trim(), 10));

/** Sends SIGKILL to each process still alive; those already gone are skipped. */
export const killAll = (pids: readonly number[]): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};
