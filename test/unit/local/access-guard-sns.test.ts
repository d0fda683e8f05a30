import { describe, expect, it } from 'vitest';
import { accessesOf, refusalOf, type LocalNames } from '../../../lib/local/access-guard.ts';

const alertsArn = 'arn:aws:sns:us-east-1:000000000000:sb-alerts';
const names: LocalNames = {
  tables: { Endpoints: 'sb-Endpoints', Messages: 'sb-Messages', Connections: 'sb-Connections', Nonces: 'sb-Nonces', Feed: 'sb-Feed', Sending: 'sb-Sending', Stats: 'sb-Stats' },
  queues: { ingest: 'http://127.0.0.1:1/000000000000/sb-ingest' },
  bucket: 'sb-bodies',
  secrets: { jwt: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sb-jwt-AbCdEf', sendKey: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sb-sendKey-GhIjKl' },
  topics: { alerts: alertsArn },
};

/** An SNS call as the SDK sends it: the query protocol's form, posted to the root. */
const snsCall = (form: Record<string, string>) => ({
  method: 'POST',
  path: '/',
  target: undefined,
  body: Buffer.from(new URLSearchParams({ ...form, Version: '2010-03-31' }).toString()),
});

describe('the access guards, for the alarm topic', () => {
  it('names a publish to the alarm topic, and lets the ack publish', () => {
    // Act
    const accesses = accessesOf('sqs-and-s3', snsCall({ Action: 'Publish', TopicArn: alertsArn, Message: 'm' }), names);

    // Assess
    expect(accesses).toEqual([{ action: 'sns:Publish', topic: 'alerts', named: alertsArn }]);
    expect(refusalOf('ack', accesses, 'sharedSecret')).toBeUndefined();
  });

  it.each(['processor', 'broadcaster', 'query', 'send', 'sender', 'reconciler', 'media', 'health', 'connect', 'socket', 'disconnect'] as const)(
    'refuses the %s function a publish: its definition grants none',
    (name) => {
      // Prepare
      const accesses = accessesOf('sqs-and-s3', snsCall({ Action: 'Publish', TopicArn: alertsArn, Message: 'm' }), names);

      // Act
      const refusal = refusalOf(name, accesses, 'sharedSecret');

      // Assess
      expect(refusal).toContain(`is not authorized to perform: sns:Publish on resource: ${alertsArn}`);
    },
  );

  it('authorizes a batch publish as a publish', () => {
    expect(accessesOf('sqs-and-s3', snsCall({ Action: 'PublishBatch', TopicArn: alertsArn }), names)).toEqual([{ action: 'sns:Publish', topic: 'alerts', named: alertsArn }]);
  });

  it('refuses the ack a publish to any other topic, and any other SNS action on its own', () => {
    // Prepare
    const otherTopic = accessesOf('sqs-and-s3', snsCall({ Action: 'Publish', TopicArn: 'arn:aws:sns:us-east-1:000000000000:other', Message: 'm' }), names);
    const subscribe = accessesOf('sqs-and-s3', snsCall({ Action: 'Subscribe', TopicArn: alertsArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:mine' }), names);
    const createTopic = accessesOf('sqs-and-s3', snsCall({ Action: 'CreateTopic', Name: 'sb-alerts' }), names);

    // Act
    const refusals = [otherTopic, subscribe, createTopic].map((accesses) => refusalOf('ack', accesses, 'sharedSecret'));

    // Assess
    expect(refusals[0]).toContain('sns:Publish on resource: arn:aws:sns:us-east-1:000000000000:other');
    expect(refusals[1]).toContain(`sns:Subscribe on resource: ${alertsArn}`);
    expect(refusals[2]).toContain('sns:CreateTopic on resource: ');
  });

  it('refuses every publish where the guard knows no topic', () => {
    // Prepare
    const { topics: _, ...withoutTopics } = names;

    // Act
    const accesses = accessesOf('sqs-and-s3', snsCall({ Action: 'Publish', TopicArn: alertsArn }), withoutTopics);

    // Assess
    expect(accesses).toEqual([{ action: 'sns:Publish', topic: undefined, named: alertsArn }]);
    expect(refusalOf('ack', accesses, 'sharedSecret')).toContain('sns:Publish');
  });

  it('still reads an S3 call on a bucket path as S3', () => {
    expect(accessesOf('sqs-and-s3', { method: 'POST', path: '/sb-bodies/bodies/x', target: undefined, body: Buffer.from('') }, names)).toEqual([
      { action: 's3:GetObject', bucket: true, key: 'bodies/x', named: 'sb-bodies/bodies/x' },
    ]);
  });
});
