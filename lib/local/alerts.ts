import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { Alert } from '../../functions/core/alerts.ts';
import type { LocalAlertsTopic } from './resources.ts';
import { startSqsPoller } from './sqs-poller.ts';

/** What SNS delivers to a subscribed queue without raw delivery: the published message in an envelope. */
const notificationSchema = z.object({ Type: z.literal('Notification'), Subject: z.optional(z.string()), Message: z.string() });

/** The alert an SNS notification carries, or undefined for anything else on the queue. */
export const alertOf = (body: string): Alert | undefined => {
  try {
    const parsed = notificationSchema.safeParse(JSON.parse(body));
    return parsed.success ? { subject: parsed.data.Subject ?? '', message: parsed.data.Message } : undefined;
  } catch {
    return undefined;
  }
};

export interface AlertListenerOptions {
  readonly client: SQSClient;
  readonly topic: LocalAlertsTopic;
  /** Each alert, as it arrives: the terminal prints it. */
  onAlert(alert: Alert): void;
  onError(error: unknown): void;
}

/**
 * The alarm topic's subscriber, locally: reads the queue subscribed to it and keeps every alert
 * published since the stack started, in order, for tests to read.
 */
export const startAlertListener = ({ client, topic, onAlert, onError }: AlertListenerOptions) => {
  const received: Alert[] = [];
  const poller = startSqsPoller({
    client,
    queueUrl: topic.queueUrl,
    queueArn: topic.queueArn,
    functionName: 'alerts',
    handler: async (event) => {
      for (const { body } of event.Records) {
        const alert = alertOf(body);
        if (!alert) {
          onError(new Error('the alerts queue held something other than an SNS notification; it was dropped'));
          continue;
        }
        received.push(alert);
        onAlert(alert);
      }
    },
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    concurrency: 1,
    timeoutSeconds: 5,
    onError,
  });
  return {
    /** The alerts received so far, oldest first. */
    alerts: (): Alert[] => [...received],
    stop: poller.stop,
  };
};
