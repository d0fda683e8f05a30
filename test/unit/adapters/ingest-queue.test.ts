import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createIngestQueue } from '../../../functions/adapters/ingest-queue.ts';
import { aTwilioEnvelope } from '../../helpers/factories.ts';
import { inboundSmsFields } from '../../helpers/twilio.ts';

const client = new SQSClient({ region: 'us-east-1' });
const sqs = mockClient(client);
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest';

beforeEach(() => {
  sqs.reset();
});

describe('ingest queue', () => {
  it("sends the envelope as JSON in its tenant's message group", async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const envelope = aTwilioEnvelope(inboundSmsFields(), { tenantId: 'globex' });

    // Act
    await createIngestQueue(client, queueUrl).enqueue(envelope);

    // Assess
    const calls = sqs.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(queueUrl);
    expect(input?.MessageGroupId).toBe('globex');
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual(envelope);
  });

  it('fails when the queue refuses, so the request is not acknowledged', async () => {
    const refused = new Error('AWS.SimpleQueueService.NonExistentQueue');
    sqs.on(SendMessageCommand).rejects(refused);

    await expect(createIngestQueue(client, queueUrl).enqueue(aTwilioEnvelope(inboundSmsFields()))).rejects.toBe(refused);
  });
});
