import { describe, expect, it } from 'vitest';
import { accessesOf, refusalOf, type LocalNames } from '../../../lib/local/access-guard.ts';

const names: LocalNames = {
  tables: { Endpoints: 'sb-Endpoints', Messages: 'sb-Messages', Connections: 'sb-Connections', Nonces: 'sb-Nonces', Feed: 'sb-Feed', Sending: 'sb-Sending', Stats: 'sb-Stats' },
  queues: { sendSms: 'http://127.0.0.1:1/000000000000/sb-sendSms', ingest: 'http://127.0.0.1:1/000000000000/sb-ingest' },
  bucket: 'sb-bodies',
  secrets: {
    jwt: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sb-jwt-AbCdEf',
    sendKey: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sb-sendKey-GhIjKl',
  },
};

const request = (target: string, body: object) => ({ method: 'POST', path: '/', target, body: Buffer.from(JSON.stringify(body)) });

describe('the access guards, for sending', () => {
  it.each([
    ['by ARN', names.secrets.sendKey],
    ['by name', 'sb-sendKey'],
  ])('names the send key read %s, and lets the sender read it but not the send function', (_, secretId) => {
    // Act
    const accesses = accessesOf('secretsmanager', request('secretsmanager.GetSecretValue', { SecretId: secretId }), names);

    // Assess
    expect(accesses).toEqual([{ action: 'secretsmanager:GetSecretValue', secret: 'sendKey', named: secretId }]);
    expect(refusalOf('sender', accesses, 'sharedSecret')).toBeUndefined();
    expect(refusalOf('send', accesses, 'sharedSecret')).toContain('secretsmanager:GetSecretValue');
  });

  it('holds the send function to its put on the sending table, and refuses it the update only the sender has', () => {
    // Prepare
    const put = accessesOf('dynamodb', request('DynamoDB_20120810.PutItem', { TableName: 'sb-Sending' }), names);
    const update = accessesOf('dynamodb', request('DynamoDB_20120810.UpdateItem', { TableName: 'sb-Sending' }), names);

    // Act
    const refusals = { sendPut: refusalOf('send', put, 'sharedSecret'), sendUpdate: refusalOf('send', update, 'sharedSecret'), senderUpdate: refusalOf('sender', update, 'sharedSecret') };

    // Assess
    expect(refusals.sendPut).toBeUndefined();
    expect(refusals.sendUpdate).toContain('dynamodb:UpdateItem on resource: sb-Sending');
    expect(refusals.senderUpdate).toBeUndefined();
  });

  it('lets the send function queue on a send queue, and not on the ingest queue', () => {
    // Prepare
    const onSendQueue = accessesOf('sqs-and-s3', request('AmazonSQS.SendMessage', { QueueUrl: 'http://127.0.0.1:2/000000000000/sb-sendSms' }), names);
    const onIngest = accessesOf('sqs-and-s3', request('AmazonSQS.SendMessage', { QueueUrl: names.queues.ingest! }), names);

    // Act
    const refusals = [refusalOf('send', onSendQueue, 'sharedSecret'), refusalOf('send', onIngest, 'sharedSecret')];

    // Assess
    expect(onSendQueue).toEqual([expect.objectContaining({ queue: 'sendSms' })]);
    expect(refusals[0]).toBeUndefined();
    expect(refusals[1]).toContain('sqs:SendMessage');
  });
});
