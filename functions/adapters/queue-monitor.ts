import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth } from '../core/health.ts';

/** A queue's name is the last segment of its URL, and CloudWatch's SQS metrics are keyed by it. */
export const queueNameOf = (queueUrl: string): string => new URL(queueUrl).pathname.split('/').at(-1) ?? '';

export const queueDepth = async (client: SQSClient, queueUrl: string): Promise<QueueDepth> => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
};

/**
 * SQS does not report the age of a queue's oldest message through its own API; CloudWatch's
 * ApproximateAgeOfOldestMessage does, once a minute. The latest datapoint of the last five
 * minutes is the answer; none means no messages were seen lately.
 */
export const oldestMessageAgeSeconds = async (client: CloudWatchClient, queueName: string, now: Date): Promise<number | undefined> => {
  const { MetricDataResults = [] } = await client.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - 5 * 60_000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'age',
          MetricStat: {
            Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: queueName }] },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return MetricDataResults[0]?.Values?.[0];
};

export const cloudWatch = (): CloudWatchClient => new CloudWatchClient({});
