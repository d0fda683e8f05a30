import {
  functionDefinitions,
  isQueueTrigger,
  isScheduleTrigger,
  isStreamTrigger,
  onlyTriggerOf,
  sendQueueIds,
  type QueueId,
  type QueueTrigger,
  type SendQueueId,
} from './functions.ts';

/**
 * Queue and event-source settings shared by the CDK stack and the local runtime's pollers.
 * Each figure is a trade-off stated once, here or in the function's definition.
 */

/** The processor's queue trigger (lib/definitions/functions.ts), with its timeout. */
export const processorSettings = { timeoutSeconds: functionDefinitions.processor.timeoutSeconds, ...onlyTriggerOf('processor', isQueueTrigger) } as const;

export const ingestQueueSettings = {
  /** AWS asks for at least 6× the consumer's timeout, so a slow batch is not redelivered mid-flight. */
  visibilityTimeoutSeconds: processorSettings.timeoutSeconds * 6,
  /** Operators get two weeks to notice and fix a backlog; providers' own retries stop far sooner. */
  retentionPeriodSeconds: 14 * 24 * 3600,
  /** Five tries before the DLQ: enough to ride out throttling, few enough to surface a poison record. */
  maxReceiveCount: 5,
  /** SQS's largest message; bigger bodies must not be queued inline (see maxWebhookBodyBytes). */
  maximumMessageBytes: 1_048_576,
  dlqRetentionPeriodSeconds: 14 * 24 * 3600,
} as const;

/** The sender's queue triggers (one per send queue, lib/definitions/functions.ts), with its timeout. */
export const senderSettings = {
  timeoutSeconds: functionDefinitions.sender.timeoutSeconds,
  triggers: functionDefinitions.sender.triggers.filter(isQueueTrigger) as readonly QueueTrigger[],
} as const;

/** The reconciler's schedule (lib/definitions/functions.ts), with its timeout. */
export const reconcilerSettings = { timeoutSeconds: functionDefinitions.reconciler.timeoutSeconds, ...onlyTriggerOf('reconciler', isScheduleTrigger) } as const;

/** Every send queue (sendSms, sendWhatsapp, sendMessenger, sendEmail) and its DLQ. */
export const sendQueueSettings = {
  /** AWS asks for at least 6× the consumer's timeout, so a slow batch is not redelivered mid-flight. */
  visibilityTimeoutSeconds: senderSettings.timeoutSeconds * 6,
  /**
   * A message waits past its validity (10 h by default) only while the sender is down: four days
   * cover a long weekend's outage, and the reconciler settles what expired meanwhile.
   */
  retentionPeriodSeconds: 4 * 24 * 3600,
  /**
   * The sender queues every wait again itself (a rate slot, a backoff, a callback) as a new
   * message with DelaySeconds, so a receive counts only an invocation that crashed: five of
   * those on one message is a poison message, not a busy sender.
   */
  maxReceiveCount: 5,
  dlqRetentionPeriodSeconds: 14 * 24 * 3600,
} as const;

/** A queue whose receives are counted, and where it sends a message received too often. */
export interface RedrivenQueue<Queue extends QueueId = QueueId, DeadLetter extends QueueId = QueueId> {
  readonly queue: Queue;
  readonly deadLetter: DeadLetter;
  readonly settings: {
    readonly visibilityTimeoutSeconds: number;
    readonly retentionPeriodSeconds: number;
    readonly maxReceiveCount: number;
    readonly dlqRetentionPeriodSeconds: number;
    /** @default - SQS's own maximum */
    readonly maximumMessageBytes?: number;
  };
}

/** The ingest queue, with its DLQ. */
export const ingestQueue: RedrivenQueue<'ingest', 'deadLetter'> = { queue: 'ingest', deadLetter: 'deadLetter', settings: ingestQueueSettings };

/** Each send queue, with its DLQ: named `<queue>DeadLetter`. */
export const sendQueues = sendQueueIds.map(
  (queue): RedrivenQueue<SendQueueId, `${SendQueueId}DeadLetter`> => ({ queue, deadLetter: `${queue}DeadLetter`, settings: sendQueueSettings }),
);

/**
 * The queues a function consumes, each with its DLQ: the CDK stack and the local runtime make
 * the same ones, with the same redrive. (The broadcaster's failure queue is a stream mapping's
 * destination, not a consumed queue: the local stream poller reports what it gives up on.)
 */
export const redrivenQueues = [ingestQueue, ...sendQueues] as const;

/** A queue the redriven queues name: a consumed queue or its DLQ. */
export type RedrivenQueueId = (typeof redrivenQueues)[number]['queue' | 'deadLetter'];

/** The broadcaster's stream trigger (lib/definitions/functions.ts), with its timeout. */
export const broadcasterSettings = { timeoutSeconds: functionDefinitions.broadcaster.timeoutSeconds, ...onlyTriggerOf('broadcaster', isStreamTrigger) } as const;

/** Lambda event filter for the messages table stream: only the entities clients see. The local stream poller applies the same pattern. */
export const broadcastFilterPattern = broadcasterSettings.filter;

/**
 * The largest webhook body the ack function queues inline. The envelope carries it in base64
 * (4/3 larger) plus headers, and must stay under SQS's 1 MiB message limit.
 */
export const maxInlineBodyBytes = 700 * 1024;

/**
 * The largest webhook body accepted at all. API Gateway hands Lambda the body base64-encoded
 * in an event of at most 6 MB, so about 4.4 MB of body; bodies over maxInlineBodyBytes go to
 * the body store (S3) and the queue carries their key.
 */
export const maxWebhookBodyBytes = 4 * 1024 * 1024;

/** Large bodies stay long enough for a message to sit out the DLQ's retention and be redriven. */
export const bodyRetentionDays = 15;

/**
 * Files agents upload to send are kept this long: a message is sent within hours, and its
 * attachment stays viewable in the inbox for a month after.
 */
export const uploadRetentionDays = 30;

/** Every queued request is archived as received, for audit and replay, this long unless the stack's archiveRetentionDays says otherwise. */
export const archiveRetentionDays = 30;
