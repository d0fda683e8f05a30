import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertPublisher } from '../../functions/adapters/alert-publisher.ts';
import { signatureBurstAlert } from '../../functions/core/alerts.ts';
import type { FunctionName } from '../../lib/definitions/functions.ts';
import { functionAccessKeyId, startAccessGuard } from '../../lib/local/access-guard.ts';
import { startAlertListener } from '../../lib/local/alerts.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { createAlertsTopic, type LocalAlertsTopic } from '../../lib/local/resources.ts';
import { startSqs } from '../helpers/services.ts';
import { eventually } from '../helpers/waiting.ts';

/**
 * Alerts through fauxqs's SNS, as the local stack wires them: a function publishes through the
 * access guard to the alarm topic, and the queue subscribed to it delivers each alert, subject
 * and message, to the stack's listener (which prints it on the terminal).
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let topic: LocalAlertsTopic;
let guardEndpoint: string;
let listener: ReturnType<typeof startAlertListener>;
const stops: (() => Promise<void>)[] = [];
const printed: string[] = [];
const denials: string[] = [];
const errors: unknown[] = [];

/** The publisher as the named function's role would run it, through the local access guard. */
const publisherAs = (name: FunctionName) =>
  createAlertPublisher({
    topicArn: topic.topicArn,
    credentials: async () => ({ accessKeyId: functionAccessKeyId(name), secretAccessKey: localCredentials.secretAccessKey }),
    region: async () => localRegion,
    endpoint: guardEndpoint,
  });
const burst = { tenantId: 'acme', endpointId: 'ep_alerted', provider: 'twilio', failures: 5 };

beforeAll(async () => {
  sqs = await startSqs();
  stops.push(sqs.stop);
  const operatorSns = new SNSClient({ region: localRegion, credentials: localCredentials, endpoint: sqs.endpoint });
  topic = await createAlertsTopic({ sns: operatorSns, sqs: sqs.client }, { prefix: 'alerted-', endpoint: sqs.endpoint });
  const names = { tables: {} as never, queues: {}, bucket: 'alerted-bodies', secrets: {} as never, topics: { alerts: topic.topicArn } };
  const guard = await startAccessGuard({ service: 'sqs-and-s3', target: sqs.endpoint, names, tokenMode: 'sharedSecret', onDenied: (message) => denials.push(message) });
  stops.push(guard.stop);
  guardEndpoint = guard.endpoint;
  listener = startAlertListener({ client: sqs.client, topic, onAlert: ({ subject }) => printed.push(`alert: ${subject}`), onError: (error) => errors.push(error) });
  stops.push(listener.stop);
}, 60_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe('alerts through the local alarm topic', () => {
  it('the topic is the prefixed alerts topic in fauxqs', () => {
    expect(topic.topicArn).toBe('arn:aws:sns:us-east-1:000000000000:alerted-alerts');
  });

  it("delivers the ack's signature burst alert, subject and message, to the stack's listener, which prints its subject on one line", async () => {
    // Act
    await publisherAs('ack').signatureBurst(burst);

    // Assess
    const [alert] = await eventually('the alert', () => (listener.alerts().length > 0 ? listener.alerts() : undefined));
    expect(listener.alerts()).toEqual([signatureBurstAlert(burst)]);
    expect(alert?.subject).toBe('Switchboard: signature failures on endpoint ep_alerted');
    expect(printed).toEqual(['alert: Switchboard: signature failures on endpoint ep_alerted']);
    expect(errors).toEqual([]);
  });

  it('refuses a function without the grant, as IAM would, and nothing reaches the topic', async () => {
    // Prepare
    const before = listener.alerts().length;

    // Act
    const refused = publisherAs('processor').signatureBurst({ ...burst, endpointId: 'ep_forged' });

    // Assess
    await expect(refused).rejects.toThrow(/^SNS Publish to arn:aws:sns:us-east-1:000000000000:alerted-alerts answered 403: .*AuthorizationError.*processor is not authorized to perform: sns:Publish/s);
    expect(denials.at(-1)).toContain(`sns:Publish on resource: ${topic.topicArn}`);
    // A granted alert published after it is the next one to arrive: the refused one never will.
    await publisherAs('ack').signatureBurst({ ...burst, endpointId: 'ep_after' });
    await eventually('the next alert', () => (listener.alerts().length > before ? true : undefined));
    expect(listener.alerts().slice(before).map(({ subject }) => subject)).toEqual(['Switchboard: signature failures on endpoint ep_after']);
  });
});
