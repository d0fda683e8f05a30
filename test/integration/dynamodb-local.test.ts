import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../lib/local/dynamodb.ts';
import { freePort } from '../helpers/ports.ts';

describe('DynamoDB Local', () => {
  it('says in one line which data folder it cannot use, rather than its own stack trace', async () => {
    const missing = join(tmpdir(), `no-such-folder-${process.pid}`, 'dynamodb');

    await expect(startDynamoDbLocal({ port: await freePort(), dataDir: missing })).rejects.toThrow(
      new Error(`DynamoDB Local cannot keep its data in ${missing}: it is not a folder it can write to`),
    );
  });
});
