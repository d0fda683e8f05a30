import { afterEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { WorkerFunction } from '../../lib/local/worker-function.ts';

/**
 * A local function runs as a Lambda environment does (lib/local/worker-function.ts): with only
 * the environment it is given, never the local process's, so that a variable its definition
 * does not give it is missing locally as it would be on AWS.
 */

const queueUrl = (name: string) => `http://127.0.0.1:9/000000000000/${name}`;
let fn: WorkerFunction | undefined;

afterEach(async () => {
  delete process.env.DEAD_LETTER_QUEUE_URL;
  await fn?.stop();
});

describe('a local function', () => {
  it('fails to start without a variable it is not given, even when the local process has it', async () => {
    // Arrange: the process holds the variable the function is not given.
    process.env.DEAD_LETTER_QUEUE_URL = queueUrl('dead-letter');
    fn = new WorkerFunction('health', { AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', INGEST_QUEUE_URL: queueUrl('ingest') });

    // Act
    const invoked = fn.handler({}, lambdaContext('health', 5_000));

    // Assert
    await expect(invoked).rejects.toThrow(/invalid configuration of the health function[\s\S]*DEAD_LETTER_QUEUE_URL/);
  });
});
