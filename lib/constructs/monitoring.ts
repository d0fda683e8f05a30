import { Duration } from 'aws-cdk-lib';
import type { IResource, RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RefusalReason } from '../../functions/core/errors.ts';
import { providerNames } from '../../functions/providers/registry.ts';
import type { SendQueueId } from '../definitions/functions.ts';
import { capitalized } from './names.ts';

/**
 * The alarms' thresholds in one place (the README's table lists them; the tests repeat them as
 * literals, so a change is deliberate). Every alarm looks at 5-minute periods unless it says otherwise.
 */
export const alarmThresholds = {
  /** Any message in a DLQ is a webhook or a change nobody will see until an operator acts. */
  deadLetterMessages: 0,
  /** The processor drains the queue in seconds; 5 minutes of backlog means it is failing or starved. */
  oldestQueuedMessageSeconds: 300,
  /** The stream hop is ~0.3 s at p50 (DESIGN §9); a minute behind means frames arrive late for everyone. */
  streamIteratorAgeMs: 60_000,
  /** Percent of invocations that failed, in 2 of 3 periods: one bad request does not page. */
  errorRatePercent: 1,
  /** Throttled invocations in a period: the account's or the function's concurrency is spent. */
  throttles: 0,
  /** WhatsApp wants under 1% of acks over 1 s (DESIGN §9): p99 is that budget. */
  ackLatencyP99Ms: 1000,
  /**
   * Above SQS's longest DelaySeconds (15 minutes, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html),
   * which the sender's own waits use: older than that, a send is waiting on a sender that does not run.
   */
  oldestSendMessageSeconds: 1200,
  /** Any credential failure pauses an endpoint's sending: someone must act at once. Looked at per minute. */
  sendCredentialFailures: 0,
  /** Permanent and temporary send failures together in 5 minutes: a few are recipients' numbers, a burst is a provider or configuration fault. */
  sendFailures: 10,
  /** Any endpoint paused for its credentials. */
  sendCredentialsPaused: 0,
  /** Beyond "not empty": this many dead webhooks is an outage, not a stray bad request. */
  deadLetterBacklog: 100,
  /** Any signature refused, looked at per minute: a wrong or rotated secret refuses every webhook of its endpoint. */
  signatureFailures: 0,
  /** Percent of one provider's webhooks not queued in 5 minutes (refused, or failed)... */
  webhookFailureRatePercent: 5,
  /** ...counted only when it sent at least this many in those 5 minutes: one bad request at night does not page. */
  webhookFailureRateMinimumReceived: 20,
  /**
   * Any 503 answered to Meta in each of 3 consecutive 5-minute periods: Meta alerts its developer
   * after 15 minutes of failed deliveries and disables the subscription after an hour (Messenger).
   */
  metaUnavailableAnswers: 0,
  /** Any send the reconciler had to queue again, in each of 3 consecutive 5-minute periods: the send path keeps losing them. */
  sendsRequeued: 0,
  /** The processor's budget from the ack's receipt to the stored message, at p99, in 2 of 3 periods. */
  receivedToStoredLagP99Ms: 5000,
  /** The broadcaster's budget from the stored message to the pushed frame, at p99, in 2 of 3 periods. */
  storedToPushedLagP99Ms: 5000,
} as const;

export interface MonitoringProps {
  readonly api: RestApi;
  /** The webhook resource: its POST latency is the providers' ack. */
  readonly webhookResource: IResource;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly broadcastFailureQueue: IQueue;
  /** Each send queue and its DLQ, by the queue's id in the definitions. */
  readonly sendQueues: Readonly<Record<SendQueueId, { readonly queue: IQueue; readonly deadLetterQueue: IQueue }>>;
  /** The function reading the messages table's stream: its IteratorAge is the push lag. */
  readonly streamConsumer: IFunction;
  /** Every function of the stack, by a short name used in alarm and widget ids. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Where every alarm notifies (alarm-topic.ts): built before the functions, which publish alerts to it too. */
  readonly topic: Topic;
}

const period = Duration.minutes(5);

/**
 * A metric the functions emit as EMF; Powertools adds the `service` dimension to every one, and
 * `dimensions` are the ones emitMetric adds (functions/shared/powertools.ts).
 */
const switchboardMetric = (
  metricName: string,
  { statistic = Stats.SUM, dimensions = {}, periodOfIt = period }: { statistic?: string; dimensions?: Record<string, string>; periodOfIt?: Duration } = {},
): Metric => new Metric({ namespace: 'Switchboard', metricName, dimensionsMap: { ...dimensions, service: 'switchboard' }, statistic, period: periodOfIt });

/** The sender's failures of one category (functions/core/outbound.ts FailureCategory), as it publishes them. */
const sendFailed = (category: string, periodOfIt: Duration = period): Metric => switchboardMetric('SendFailed', { dimensions: { category }, periodOfIt });

/** The ack's refusals of one provider for one reason (functions/shared/http.ts failureReason). */
const webhookRejected = (provider: string, reason: string, periodOfIt: Duration = period): Metric =>
  switchboardMetric('WebhookRejected', { dimensions: { provider, reason }, periodOfIt });

/** The reason the ack's metric gives a refused signature (core/errors.ts RefusalReason). */
const signatureRefused: RefusalReason = 'signature';
/** The reason the ack's metric gives every 503 it answers: the queue, the body store or the replay check was out of reach (shared/http.ts failureReason). */
const ackUnavailable = 'queue_unavailable';

/** A metric math id for a provider's name (ids start with a lower-case letter and hold letters, digits and _). */
const idOf = (provider: string): string => `p_${provider.replace(/[^a-zA-Z0-9]/g, '_')}`;

/**
 * The percentage of a provider's webhooks the ack did not queue: everything received and not
 * queued was answered with an error (a refusal, a 503, a 500) or never answered. Periods with
 * fewer than the minimum received count as 0.
 */
const webhookFailureRate = (provider: string): MathExpression => {
  // Ids unique to the provider: the dashboard graphs every provider's expression in one widget.
  const [received, enqueued] = [`${idOf(provider)}_received`, `${idOf(provider)}_enqueued`];
  return new MathExpression({
    expression: `IF(${received} >= ${alarmThresholds.webhookFailureRateMinimumReceived}, 100 * (${received} - FILL(${enqueued}, 0)) / ${received}, 0)`,
    usingMetrics: {
      [received]: switchboardMetric('WebhookReceived', { dimensions: { provider } }),
      [enqueued]: switchboardMetric('WebhookEnqueued', { dimensions: { provider } }),
    },
    label: `${provider} webhooks not queued (%)`,
    period,
  });
};

/**
 * The limit CloudWatch puts on an alarm's description
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
const maxAlarmDescriptionLength = 1024;

/** Where every alarm's description sends its reader for more than fits in it. */
const runbookPointer = 'README: "Operating Switchboard", Alerts.';

/** One line per value of the dimensions (provider, reason), however many providers send; each labelled by them. */
const searchBy = (metricName: string, dimensions: readonly string[]): MathExpression =>
  new MathExpression({
    expression: `SEARCH('{Switchboard,${[...dimensions, 'service'].sort().join(',')}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    label: dimensions.map((dimension) => `\${PROP('Dim.${dimension}')}`).join(' '),
    period,
  });

/** The pipeline's alarms, notifying the alarm topic, and one dashboard. */
export class Monitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = props.topic;

    const ackLatency = new Metric({
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      // Per-method dimensions exist because the stage has detailed metrics on (metricsEnabled).
      dimensionsMap: {
        ApiName: props.api.restApiName,
        Stage: props.api.deploymentStage.stageName,
        Resource: props.webhookResource.path,
        Method: 'POST',
      },
      statistic: Stats.p(99),
      period,
    });

    // A queue reports nothing once idle for 6 hours, and an empty queue is the healthy one.
    this.alarm('DeadLetterQueueNotEmpty', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.deadLetterMessages,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: 'A webhook failed in the processor 5 times and is in the ingest DLQ: it was acknowledged, but no message of it is stored until you act.',
      action:
        '`switchboard dlq list` shows each one with the error the processor recorded. Fix the cause (an outage that passed needs nothing), then `switchboard dlq redrive` moves them all back to the ingest queue; the processor stores each message once however often it is moved. See README "Quarantine and the DLQ".',
    });
    this.alarm('DeadLetterQueueBacklog', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.deadLetterBacklog,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: 'Over 100 webhooks are in the ingest DLQ: the processor is failing on every webhook, not on one.',
      action:
        "Look at the Processor error rate and throttles alarms and the processor's logs for the error, and at `switchboard dlq list` for the reason recorded for each. Fix it first, then `switchboard dlq redrive`: redriving before the fix only fills the DLQ again.",
    });
    this.alarm('BroadcastFailureQueueNotEmpty', {
      metric: props.broadcastFailureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.deadLetterMessages,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: 'The broadcaster gave up on stream records after 3 retries: their frames were not pushed. The messages are stored; nothing is lost.',
      action:
        "Read the broadcaster's errors (its error rate alarm, its logs) and fix the cause. Connected clients catch up from the change feed (README \"The change feed\"); the queue only holds pointers, kept 14 days, for you to see which records failed.",
    });
    this.alarm('QueueOldestMessageAge', {
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.oldestQueuedMessageSeconds,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: 'The ingest queue holds a webhook older than 5 minutes: the processor is failing or starved, and new messages wait.',
      action:
        "Check the Processor error rate and throttles alarms, the processor's event source mapping (enabled) and `switchboard stats --hours 1`. Webhooks are safe in the queue meanwhile: providers were answered; what fails 5 times goes to the DLQ.",
    });
    for (const [queueId, { queue, deadLetterQueue }] of Object.entries(props.sendQueues)) {
      const name = capitalized(queueId);
      this.alarm(`${name}DeadLetterQueueNotEmpty`, {
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
        threshold: alarmThresholds.deadLetterMessages,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `Sends in the ${queueId} DLQ: the sender crashed on them 5 times and they wait.`,
        action:
          "Read the sender's logs for their message ids, fix the cause, then move them back with the SQS console's DLQ redrive (the claim on each message keeps a resend from sending twice).",
      });
      this.alarm(`${name}QueueOldestMessageAge`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM }),
        threshold: alarmThresholds.oldestSendMessageSeconds,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `The ${queueId} queue holds a send older than 20 minutes: the sender is not consuming it.`,
        action: "Check the sender's errors and throttles alarms and its event source mapping (enabled, not at its maximum concurrency).",
      });
    }
    this.alarm('SendCredentialFailure', {
      metric: sendFailed('credentials', Duration.minutes(1)),
      threshold: alarmThresholds.sendCredentialFailures,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: "A provider refused an endpoint's send credentials (Twilio 401/20003, Meta 190) and its sending is paused.",
      action:
        "Find the endpoint in the sender's logs, set new credentials with `switchboard endpoint credentials`, then retry its failed messages (`switchboard outbox list --tenant <t> --status failed`, then `switchboard outbox retry`).",
    });
    this.alarm('SendFailures', {
      metric: new MathExpression({
        expression: 'FILL(permanent, 0) + FILL(temporary, 0)',
        usingMetrics: { permanent: sendFailed('permanent'), temporary: sendFailed('temporary') },
        label: 'permanent + temporary send failures',
        period,
      }),
      threshold: alarmThresholds.sendFailures,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: 'More than 10 sends failed permanently or ran out of retries in 5 minutes.',
      action:
        "`switchboard outbox list --tenant <t> --status failed` shows each one's provider code and hint: many of one code is a provider outage or a misconfigured endpoint, not bad numbers.",
    });
    this.alarm('SendCredentialsPaused', {
      metric: switchboardMetric('SendCredentialsPaused'),
      threshold: alarmThresholds.sendCredentialsPaused,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: "An endpoint's sending was paused after its credentials were refused: nothing it sends leaves until they are replaced.",
      action: 'Set them with `switchboard endpoint credentials`, which resumes it.',
    });
    this.alarm('SendsRequeued', {
      metric: switchboardMetric('SendRequeued'),
      threshold: alarmThresholds.sendsRequeued,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning:
        'The reconciler queued stuck sends again (accepted but never queued, or claimed by a sender that vanished) in each of 3 consecutive 5-minute periods: the send path keeps losing messages, and each one leaves minutes late.',
      action:
        "Check the send queues' age alarms, the Send and Sender error rate alarms and the sender's logs. `switchboard outbox list --tenant <t> --status queued` shows what waits; once the cause is fixed the reconciler settles the rest by itself.",
    });
    this.alarm('StreamIteratorAge', {
      metric: props.streamConsumer.metric('IteratorAge', { period, statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.streamIteratorAgeMs,
      evaluationPeriods: 1,
      // IteratorAge comes only with invocations: a stream that stops being read reports nothing,
      // so missing data keeps the alarm where it is rather than clearing it.
      treatMissingData: TreatMissingData.IGNORE,
      meaning: 'The broadcaster reads the messages stream more than 60 s behind: frames arrive late for everyone.',
      action:
        "Check the Broadcaster error rate and throttles alarms and its logs: a record it keeps failing on is retried until it goes to the on-failure queue. Messages are stored meanwhile; clients can read them from the query API.",
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}ErrorRate`, {
        metric: new MathExpression({
          expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
          usingMetrics: { errors: fn.metricErrors({ period }), invocations: fn.metricInvocations({ period }) },
          label: `${name} error rate (%)`,
          period,
        }),
        threshold: alarmThresholds.errorRatePercent,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        // No invocations, no errors.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `More than 1% of the ${name} function's invocations failed in 2 of 3 5-minute periods.`,
        action: `Read the ${name} function's errors in its log group (level ERROR); a deploy just before points at it, a dependency's errors (DynamoDB, SQS, a provider) at an outage. \`switchboard stats --hours 1\` shows what it did to traffic.`,
      });
      this.alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ period }),
        threshold: alarmThresholds.throttles,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `The ${name} function was throttled: its or the account's concurrency is spent.`,
        action:
          "Compare the account's ConcurrentExecutions with its Lambda concurrency quota (Service Quotas) and ask for more, or lower another function's reserved concurrency. Queue and stream work waits and is retried; a throttled webhook or API call is answered with an error, and not every provider retries.",
      });
    }
    this.alarm('AckLatencyP99', {
      metric: ackLatency,
      threshold: alarmThresholds.ackLatencyP99Ms,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // No webhooks, no latency to worry about.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning: "The webhook ack's p99 is over 1 s, WhatsApp's budget (DESIGN §9): providers may time out and retry.",
      action:
        "Check the Ack throttles alarm (cold starts while throttled), the ack's logs for slow DynamoDB or SQS calls, and the ingest queue's health. README \"Warm ack path\" says how to keep it warm.",
    });
    this.alarm('WebhookSignatureFailures', {
      metric: new MathExpression({
        expression: `SUM([${providerNames.map(idOf).join(', ')}])`,
        usingMetrics: Object.fromEntries(providerNames.map((provider) => [idOf(provider), webhookRejected(provider, signatureRefused, Duration.minutes(1))])),
        label: 'webhooks refused for their signature',
        period: Duration.minutes(1),
      }),
      threshold: alarmThresholds.signatureFailures,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning:
        "A webhook's signature was refused: an endpoint's secret is wrong or was rotated at the provider, and every webhook of that endpoint is refused until it is fixed (or someone sends forged requests).",
      action:
        'Find the endpoint with `switchboard recent --outcome refused` (the ack also publishes an alert naming it to this topic). Add the new secret with `switchboard endpoint secret add <endpointId> --secret <s>`; remove the old one with `switchboard endpoint secret remove` once webhooks pass.',
    });
    for (const provider of providerNames) {
      this.alarm(`${capitalized(provider)}WebhookFailureRate`, {
        metric: webhookFailureRate(provider),
        threshold: alarmThresholds.webhookFailureRatePercent,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `Over 5% of ${provider}'s webhooks in 5 minutes were not queued (refused, 503, 500 or no answer). Periods with under 20 received do not count, so a single bad request at night does not page.`,
        action: `\`switchboard recent --endpoint <id> --outcome refused\` and the Webhooks rejected widget give each reason: signature is a secret (\`switchboard endpoint secret add\`), unknown_endpoint a URL, queue_unavailable the ingest queue; no reason is an ack error (its error rate alarm). \`switchboard stats --hours 1\` shows the trend.`,
      });
    }
    this.alarm('MetaAckUnavailable', {
      metric: webhookRejected('meta', ackUnavailable),
      threshold: alarmThresholds.metaUnavailableAnswers,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      meaning:
        'The ack answered Meta with 503 in each of 3 consecutive 5-minute periods. Meta retries, alerts its developer after 15 minutes of failures and disables the webhook subscription after about an hour (Messenger); then nothing arrives until it is subscribed again.',
      action:
        "Check /health, the Ack error rate alarm and its logs (the queue, body store or replay check it could not reach), and the ingest queue. Meta keeps retrying meanwhile: once the ack answers 200 again, nothing is lost. If the app was unsubscribed, subscribe it again in the Meta app dashboard.",
    });
    for (const [lag, threshold, owner] of [
      ['ReceivedToStoredLag', alarmThresholds.receivedToStoredLagP99Ms, 'Processor'],
      ['StoredToPushedLag', alarmThresholds.storedToPushedLagP99Ms, 'Broadcaster'],
    ] as const) {
      this.alarm(`${lag}P99`, {
        metric: switchboardMetric(lag, { statistic: Stats.p(99) }),
        threshold,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        // No messages, no lag.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        meaning: `${lag} p99 is over its 5 s budget in 2 of 3 5-minute periods: messages reach people late.`,
        action: `Check the ${owner} error rate and throttles alarms (retries add lag), ${owner === 'Processor' ? 'the ingest queue age alarm' : 'the stream iterator age alarm'} and \`switchboard stats --hours 1\`; a burst that drains by itself needs nothing.`,
      });
    }

    this.dashboard = this.buildDashboard(props, ackLatency);
  }

  private alarm(
    id: string,
    props: {
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      treatMissingData: TreatMissingData;
      /** What happened, in words the person paged understands. */
      meaning: string;
      /** What to do about it: the commands to run, the alarms and logs to look at. */
      action: string;
    },
  ): void {
    const { meaning, action, ...alarmProps } = props;
    const alarmDescription = `${meaning} What to do: ${action} ${runbookPointer}`;
    if (alarmDescription.length > maxAlarmDescriptionLength) {
      throw new Error(`The ${id} alarm's description is ${alarmDescription.length} characters; CloudWatch takes ${maxAlarmDescriptionLength} at most`);
    }
    const alarm = new Alarm(this, id, {
      ...alarmProps,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription,
    });
    // OK too, so whoever was paged hears when it cleared.
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  private buildDashboard(props: MonitoringProps, ackLatency: Metric): Dashboard {
    const percentiles = (metricName: string): Metric[] =>
      [Stats.p(50), Stats.p(99)].map((statistic) => switchboardMetric(metricName, { statistic }).with({ label: `${metricName} ${statistic}` }));
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new TextWidget({ markdown: '# Switchboard\nWebhooks in, messages stored once, frames pushed. Lags in ms.', width: 24, height: 2 }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Webhooks received, by provider', left: [searchBy('WebhookReceived', ['provider'])], width: 8 }),
      new GraphWidget({ title: 'Webhooks rejected, by provider and reason', left: [searchBy('WebhookRejected', ['provider', 'reason'])], width: 8 }),
      new GraphWidget({
        title: 'Ack latency (webhook POST)',
        left: [ackLatency.with({ statistic: Stats.p(50), label: 'p50' }), ackLatency.with({ label: 'p99' })],
        width: 8,
      }),
    );
    const byProvider = (reason: string): Metric[] => providerNames.map((provider) => webhookRejected(provider, reason).with({ label: provider }));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhooks not queued (%), by provider',
        left: providerNames.map(webhookFailureRate),
        leftAnnotations: [{ value: alarmThresholds.webhookFailureRatePercent, label: 'alarm (with 20+ received)' }],
        width: 8,
      }),
      new GraphWidget({ title: 'Signatures refused, by provider', left: byProvider(signatureRefused), width: 8 }),
      new GraphWidget({ title: 'Answered 503 (queue, body store or replay check out of reach), by provider', left: byProvider(ackUnavailable), width: 8 }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest queue: depth (left), oldest message age in s (right)',
        left: [props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM, label: 'visible' })],
        right: [props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM, label: 'oldest age' })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead letters',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM, label: 'ingest DLQ' }),
          props.broadcastFailureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM, label: 'broadcast failures' }),
        ],
        leftAnnotations: [{ value: alarmThresholds.deadLetterBacklog, label: 'ingest DLQ backlog alarm' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Processor outcomes',
        left: ['MessageStored', 'MessageDuplicate', 'RequestQuarantined', 'RecordRetried'].map((name) => switchboardMetric(name)),
        width: 8,
      }),
    );
    const sendQueues = Object.entries(props.sendQueues);
    dashboard.addWidgets(
      new GraphWidget({ title: 'Messages sent, by channel', left: [searchBy('MessageSent', ['channel'])], width: 6 }),
      new GraphWidget({ title: 'Send failures, by category', left: [searchBy('SendFailed', ['category'])], width: 6 }),
      new GraphWidget({
        title: 'Send queues: depth (left), oldest message age in s (right)',
        left: sendQueues.map(([id, { queue }]) => queue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM, label: id })),
        right: sendQueues.map(([id, { queue }]) => queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM, label: `${id} oldest` })),
        width: 6,
      }),
      new GraphWidget({
        title: 'Send dead letters',
        left: sendQueues.map(([id, { deadLetterQueue }]) => deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM, label: `${id} DLQ` })),
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Provider → received lag', left: percentiles('ProviderToReceivedLag'), width: 6 }),
      new GraphWidget({
        title: 'Received → stored lag',
        left: percentiles('ReceivedToStoredLag'),
        leftAnnotations: [{ value: alarmThresholds.receivedToStoredLagP99Ms, label: 'p99 budget' }],
        width: 6,
      }),
      new GraphWidget({
        title: 'Stored → pushed lag',
        left: percentiles('StoredToPushedLag'),
        leftAnnotations: [{ value: alarmThresholds.storedToPushedLagP99Ms, label: 'p99 budget' }],
        width: 6,
      }),
      new GraphWidget({
        title: 'Frames, and the stream iterator age in ms (right)',
        left: ['FramesSent', 'FramesFailed', 'ConnectionsGone'].map((name) => switchboardMetric(name)),
        right: [props.streamConsumer.metric('IteratorAge', { period, statistic: Stats.MAXIMUM, label: 'IteratorAge' })],
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: Object.entries(props.functions).map(([name, fn]) => fn.metricErrors({ period, label: name })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function throttles',
        left: Object.entries(props.functions).map(([name, fn]) => fn.metricThrottles({ period, label: name })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Reconciler: stuck sends queued again, sends never confirmed',
        left: ['SendRequeued', 'SendUnconfirmed'].map((name) => switchboardMetric(name)),
        width: 8,
      }),
    );
    return dashboard;
  }
}
