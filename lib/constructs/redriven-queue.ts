import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { RedrivenQueue } from '../definitions/pipeline.ts';

/** Encrypted at rest, and refused over plain HTTP. */
const sslOnlyEncrypted = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;

/**
 * A consumed queue and its DLQ, as lib/definitions/pipeline.ts sets them (the local runtime
 * creates the same, lib/local/resources.ts), under the construct ids given (a queue's logical
 * id must never change: CloudFormation would replace it, and its messages with it). Fair
 * queueing needs nothing here: a standard queue is fair once producers set MessageGroupId.
 */
export const redrivenQueue = (
  scope: Construct,
  ids: { readonly queue: string; readonly deadLetter: string },
  { settings }: RedrivenQueue,
): { queue: Queue; deadLetterQueue: Queue } => {
  const deadLetterQueue = new Queue(scope, ids.deadLetter, {
    ...sslOnlyEncrypted,
    retentionPeriod: Duration.seconds(settings.dlqRetentionPeriodSeconds),
  });
  const queue = new Queue(scope, ids.queue, {
    ...sslOnlyEncrypted,
    visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(settings.retentionPeriodSeconds),
    ...(settings.maximumMessageBytes !== undefined && { maxMessageSizeBytes: settings.maximumMessageBytes }),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
};
