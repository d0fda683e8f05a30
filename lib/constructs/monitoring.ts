import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
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
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
  /** An address subscribed to the alarm topic; it must confirm the subscription email. */
  readonly alarmEmail?: string;
}

const period = Duration.minutes(5);

/** A metric the functions emit as EMF; Powertools adds the `service` dimension to every one. */
const switchboardMetric = (metricName: string, statistic: string = Stats.SUM): Metric =>
  new Metric({ namespace: 'Switchboard', metricName, dimensionsMap: { service: 'switchboard' }, statistic, period });

/** The sender's failures of one category (functions/core/outbound.ts FailureCategory), as it publishes them. */
const sendFailed = (category: string, periodOfIt: Duration = period): Metric =>
  new Metric({ namespace: 'Switchboard', metricName: 'SendFailed', dimensionsMap: { service: 'switchboard', category }, statistic: Stats.SUM, period: periodOfIt });

/** One line per value of the dimensions (provider, reason), however many providers send; each labelled by them. */
const searchBy = (metricName: string, dimensions: readonly string[]): MathExpression =>
  new MathExpression({
    expression: `SEARCH('{Switchboard,${[...dimensions, 'service'].sort().join(',')}} MetricName="${metricName}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    label: dimensions.map((dimension) => `\${PROP('Dim.${dimension}')}`).join(' '),
    period,
  });

/** The alarm topic (encrypted, SSL only), the pipeline's alarms and one dashboard. */
export class Monitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch publishes as its service principal, on behalf of this account's alarms only.
    const stack = Stack.of(this);
    const fromOurAlarms = (actions: string[], resources: string[]): PolicyStatement =>
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions,
        resources,
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      });
    // A key of our own: the AWS managed SNS key's policy cannot let CloudWatch publish.
    const topicKey = new Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Switchboard: alarm topic' });
    topicKey.addToResourcePolicy(fromOurAlarms(['kms:Decrypt', 'kms:GenerateDataKey'], ['*']));
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Switchboard alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // The SSL-only policy replaces SNS's default one, so the alarms' publish is allowed by name.
    this.topic.addToResourcePolicy(fromOurAlarms(['sns:Publish'], [this.topic.topicArn]));
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

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
    for (const [name, queue] of [
      ['DeadLetterQueue', props.deadLetterQueue],
      ['BroadcastFailureQueue', props.broadcastFailureQueue],
    ] as const) {
      this.alarm(`${name}NotEmpty`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
        threshold: alarmThresholds.deadLetterMessages,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: `Messages in ${name}: see README "Quarantine and the DLQ".`,
      });
    }
    this.alarm('QueueOldestMessageAge', {
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.oldestQueuedMessageSeconds,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description: 'The ingest queue holds a webhook older than 5 minutes: the processor is failing or starved.',
    });
    for (const [queueId, { queue, deadLetterQueue }] of Object.entries(props.sendQueues)) {
      const name = capitalized(queueId);
      this.alarm(`${name}DeadLetterQueueNotEmpty`, {
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
        threshold: alarmThresholds.deadLetterMessages,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: `Sends in the ${queueId} DLQ: the sender crashed on them 5 times. Read the sender's logs for their message ids, fix the cause, then move them back with the SQS console's DLQ redrive (the claim on each message keeps a resend from sending twice).`,
      });
      this.alarm(`${name}QueueOldestMessageAge`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM }),
        threshold: alarmThresholds.oldestSendMessageSeconds,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: `The ${queueId} queue holds a send older than 20 minutes: the sender is not consuming it. Check the sender's errors and throttles alarms and its event source mapping (enabled, not at its maximum concurrency).`,
      });
    }
    this.alarm('SendCredentialFailure', {
      metric: sendFailed('credentials', Duration.minutes(1)),
      threshold: alarmThresholds.sendCredentialFailures,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        "A provider refused an endpoint's send credentials (Twilio 401/20003, Meta 190) and its sending is paused. Find the endpoint in the sender's logs, set new credentials with `switchboard endpoint credentials`, then retry its failed messages with `switchboard outbox retry`.",
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
      description:
        "More than 10 sends failed permanently or ran out of retries in 5 minutes. `switchboard outbox list --status failed` shows each one's provider code and hint: many of one code is a provider outage or a misconfigured endpoint, not bad numbers.",
    });
    this.alarm('SendCredentialsPaused', {
      metric: switchboardMetric('SendCredentialsPaused'),
      threshold: alarmThresholds.sendCredentialsPaused,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        "An endpoint's sending was paused after its credentials were refused: nothing it sends leaves until they are replaced. Set them with `switchboard endpoint credentials`, which resumes it.",
    });
    this.alarm('StreamIteratorAge', {
      metric: props.streamConsumer.metric('IteratorAge', { period, statistic: Stats.MAXIMUM }),
      threshold: alarmThresholds.streamIteratorAgeMs,
      evaluationPeriods: 1,
      // IteratorAge comes only with invocations: a stream that stops being read reports nothing,
      // so missing data keeps the alarm where it is rather than clearing it.
      treatMissingData: TreatMissingData.IGNORE,
      description: 'The broadcaster reads the messages stream more than 60 s behind: frames arrive late.',
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
        description: `More than 1% of the ${name} function's invocations failed in 2 of 15 minutes' 5-minute periods.`,
      });
      this.alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ period }),
        threshold: alarmThresholds.throttles,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: `The ${name} function was throttled: its or the account's concurrency is spent.`,
      });
    }
    this.alarm('AckLatencyP99', {
      metric: ackLatency,
      threshold: alarmThresholds.ackLatencyP99Ms,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      // No webhooks, no latency to worry about.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description: "The webhook ack's p99 is over 1 s, WhatsApp's budget (DESIGN §9).",
    });

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
      description: string;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      ...props,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: props.description,
    });
    // OK too, so whoever was paged hears when it cleared.
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  private buildDashboard(props: MonitoringProps, ackLatency: Metric): Dashboard {
    const percentiles = (metricName: string): Metric[] =>
      [Stats.p(50), Stats.p(99)].map((statistic) => switchboardMetric(metricName, statistic).with({ label: `${metricName} ${statistic}` }));
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
      new GraphWidget({ title: 'Messages sent', left: [switchboardMetric('MessageSent')], width: 6 }),
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
      new GraphWidget({ title: 'Received → stored lag', left: percentiles('ReceivedToStoredLag'), width: 6 }),
      new GraphWidget({ title: 'Stored → pushed lag', left: percentiles('StoredToPushedLag'), width: 6 }),
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
        width: 12,
      }),
      new GraphWidget({
        title: 'Function throttles',
        left: Object.entries(props.functions).map(([name, fn]) => fn.metricThrottles({ period, label: name })),
        width: 12,
      }),
    );
    return dashboard;
  }
}
