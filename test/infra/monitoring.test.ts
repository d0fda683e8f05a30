import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { SwitchboardStackProps } from '../../lib/switchboard-stack.ts';
import { providerNames } from '../../functions/providers/registry.ts';
import { sendQueueIds } from '../../lib/definitions/functions.ts';
import { synthesize } from '../helpers/synth.ts';

/** The monitoring side of a synthesized stack: the alarm topic, the alarms and the dashboard. */
const synthesizeMonitoring = (props?: SwitchboardStackProps) => {
  const synthesized = synthesize(props);
  return { ...synthesized, topic: synthesized.ref(synthesized.stack.monitoring.topic) };
};

/** The properties of the alarm made under `id` in the monitoring construct (its logical id is the path and a hash). */
const alarmProperties = (template: ReturnType<typeof synthesize>['template'], id: string): Record<string, unknown> => {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([logicalId]) => new RegExp(`^Monitoring${id}[0-9A-F]{8}$`).test(logicalId));
  expect(found).toHaveLength(1);
  return found[0]?.[1].Properties as Record<string, unknown>;
};

const functionNames = ['Ack', 'Processor', 'Broadcaster', 'Connect', 'Disconnect', 'Socket', 'Query', 'Health', 'Send', 'Sender', 'Reconciler', 'Media'] as const;

describe('monitoring: the alarm topic', () => {
  it('is encrypted with a key CloudWatch may use, lets only this account\'s alarms publish, refuses publishing without TLS and has no subscriber by default', () => {
    // Prepare
    const { template, stack, logicalId, topic } = synthesizeMonitoring();
    const fromOurAlarms = Match.objectLike({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Effect: 'Allow',
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':cloudwatch:', ':alarm:*'])] }) },
      },
    });

    // Act
    const resources = template.toJSON().Resources;
    const keyId = (resources[logicalId(stack.monitoring.topic)].Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    // Assess
    expect(resources[keyId].Type).toBe('AWS::KMS::Key');
    expect(resources[keyId].Properties.EnableKeyRotation).toBe(true);
    expect(resources[keyId].Properties.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' })]),
    );
    template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: Match.objectLike({ Statement: Match.arrayWith([fromOurAlarms]) }) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Action: 'sns:Publish', Resource: topic }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([fromOurAlarms]) }),
    });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes alarmEmail to the topic', () => {
    // Prepare
    const { template, topic } = synthesizeMonitoring({ alarmEmail: 'ops@example.com' });

    // Act
    const subscriptions = template.findResources('AWS::SNS::Subscription');

    // Assess
    expect(Object.values(subscriptions).map((resource) => resource.Properties)).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topic },
    ]);
  });
});

describe('monitoring: alarms', () => {
  it('has one alarm per queue, the stream, each function twice, the ack latency and sending, every one telling the topic of ALARM and OK', () => {
    // Prepare
    const { template, topic } = synthesizeMonitoring();

    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => resource.Properties);

    // Assess
    // Queues: both not empty, the ingest DLQ's backlog, the ingest queue's age. Sending: each send
    // queue's DLQ and age, credential failures, failures, paused endpoints, sends queued again.
    // Webhooks: signatures, each provider's failure rate, Meta's 503s. The two lags.
    expect(alarms).toHaveLength(2 + 1 + 1 + 1 + 2 * functionNames.length + 1 + 2 * sendQueueIds.length + 4 + 1 + providerNames.length + 1 + 2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
      expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    }
  });

  it('alarms on any message in the ingest DLQ and in the broadcaster on-failure queue', () => {
    // Prepare
    const { template, stack, logicalId } = synthesizeMonitoring();

    // Act
    const queues = [stack.ingest.deadLetterQueue, stack.realtime.broadcastFailureQueue];

    // Assess
    for (const queue of queues) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms when the ingest queue holds a webhook older than 5 minutes', () => {
    // Prepare
    const { template, stack, logicalId } = synthesizeMonitoring();

    // Act
    const queueName = { 'Fn::GetAtt': [logicalId(stack.ingest.queue), 'QueueName'] };

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: queueName }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms when the broadcaster's stream iterator is over 60 s behind, keeping its state when no data comes", () => {
    // Prepare
    const { template, stack, ref } = synthesizeMonitoring();

    // Act
    const broadcaster = ref(stack.realtime.broadcasterFunction);

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: broadcaster }],
      Statistic: 'Maximum',
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it("alarms on each function's error rate over 1% and on any throttle", () => {
    // Prepare
    const { template, stack, ref } = synthesizeMonitoring();

    // Act
    const functions = [
      stack.ingest.ackFunction,
      stack.processing.processorFunction,
      stack.realtime.broadcasterFunction,
      stack.realtime.connectFunction,
      stack.realtime.disconnectFunction,
      stack.realtime.socketFunction,
      stack.query.queryFunction,
      stack.health.healthFunction,
      stack.sending.sendFunction,
      stack.sending.senderFunction,
      stack.sending.reconcilerFunction,
      stack.media.mediaFunction,
    ];

    // Assess
    expect(functions).toHaveLength(functionNames.length);
    for (const fn of functions) {
      const lambdaMetric = (metricName: string) => ({
        Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: ref(fn) }] },
        Period: 300,
        Stat: 'Sum',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [
          Match.objectLike({ Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', ReturnData: true }),
          { Id: 'errors', MetricStat: lambdaMetric('Errors'), ReturnData: false },
          { Id: 'invocations', MetricStat: lambdaMetric('Invocations'), ReturnData: false },
        ],
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: ref(fn) }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it("alarms when the webhook POST's p99 latency on the stage is over 1 s", () => {
    // Prepare
    const { template, stack, ref } = synthesizeMonitoring({ stageName: 'v1' });

    // Act
    const stage = ref(stack.ingest.api.deploymentStage);

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: [
        { Name: 'ApiName', Value: stack.ingest.api.restApiName },
        { Name: 'Method', Value: 'POST' },
        { Name: 'Resource', Value: '/webhooks/{provider}/{endpointId}' },
        { Name: 'Stage', Value: stage },
      ],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 1000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1', MethodSettings: Match.arrayWith([Match.objectLike({ MetricsEnabled: true })]) });
  });
});

describe('monitoring: sending', () => {
  it.each(sendQueueIds)('alarms on any message in the %s DLQ, and on a send waiting over 20 minutes in the queue', (queueId) => {
    // Prepare
    const { template, stack, logicalId } = synthesizeMonitoring();
    const { queue, deadLetterQueue } = stack.sending.queues[queueId];

    // Act
    const queueName = (of: Parameters<typeof logicalId>[0]) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(of), 'QueueName'] } }];

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: queueName(deadLetterQueue),
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('redrive'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: queueName(queue),
      Statistic: 'Maximum',
      Threshold: 1200,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms at once on a credential failure, and on a paused endpoint, each saying what to run', () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => resource.Properties);
    const credentials = alarms.find((alarm) => JSON.stringify(alarm.Dimensions ?? []).includes('"credentials"'));
    const paused = alarms.find((alarm) => alarm.MetricName === 'SendCredentialsPaused');

    // Assess
    expect(credentials).toMatchObject({
      Namespace: 'Switchboard',
      MetricName: 'SendFailed',
      Dimensions: expect.arrayContaining([{ Name: 'category', Value: 'credentials' }, { Name: 'service', Value: 'switchboard' }]),
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(credentials?.AlarmDescription).toContain('switchboard endpoint credentials');
    expect(paused).toMatchObject({ Namespace: 'Switchboard', Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(paused?.AlarmDescription).toContain('switchboard endpoint credentials');
  });

  it('alarms on more than 10 permanent and temporary send failures in 5 minutes', () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((resource) => resource.Properties)
      .find((properties) => JSON.stringify(properties.Metrics ?? []).includes('SendFailed'));

    // Assess
    expect(alarm).toMatchObject({ Threshold: 10, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(alarm?.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Expression: 'FILL(permanent, 0) + FILL(temporary, 0)', ReturnData: true }),
        ...['permanent', 'temporary'].map((category) =>
          expect.objectContaining({
            Id: category,
            MetricStat: expect.objectContaining({
              Metric: expect.objectContaining({ MetricName: 'SendFailed', Dimensions: expect.arrayContaining([{ Name: 'category', Value: category }]) }),
              Period: 300,
            }),
          }),
        ),
      ]),
    );
    expect(alarm?.AlarmDescription).toContain('switchboard outbox list --tenant <t> --status failed');
  });
});

describe('monitoring: every alarm says what to do', () => {
  it('has a description within CloudWatch\'s 1024 characters that says what happened, what to do and where the runbook is', () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const descriptions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => resource.Properties.AlarmDescription as string);

    // Assess
    expect(descriptions.length).toBeGreaterThan(0);
    for (const description of descriptions) {
      expect(description.length).toBeLessThanOrEqual(1024);
      expect(description).toMatch(/^.+ What to do: .+ README: "Operating Switchboard", Alerts\.$/);
    }
  });
});

describe('monitoring: webhooks', () => {
  it("alarms within a minute on any signature refused, summing every registered provider's refusals, and says how to replace the secret", () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, 'WebhookSignatureFailures');

    // Assess
    expect(alarm).toMatchObject({ Threshold: 0, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(providerNames).toEqual(['twilio', 'meta', 'sendgrid', 'mailgun', 'sms', 'standard']);
    expect(alarm.Metrics).toEqual([
      expect.objectContaining({ Expression: 'SUM([p_twilio, p_meta, p_sendgrid, p_mailgun, p_sms, p_standard])', ReturnData: true }),
      ...providerNames.map((provider) => ({
        Id: `p_${provider}`,
        MetricStat: {
          Metric: {
            Namespace: 'Switchboard',
            MetricName: 'WebhookRejected',
            Dimensions: [
              { Name: 'provider', Value: provider },
              { Name: 'reason', Value: 'signature' },
              { Name: 'service', Value: 'switchboard' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      })),
    ]);
    expect(alarm.AlarmDescription).toContain('switchboard recent --outcome refused');
    expect(alarm.AlarmDescription).toContain('switchboard endpoint secret add');
    expect(alarm.AlarmDescription).toContain('switchboard endpoint secret remove');
  });

  it.each(providerNames)("alarms when over 5%% of %s's webhooks in 5 minutes were not queued, once it sent at least 20", (provider) => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, `${provider[0]?.toUpperCase()}${provider.slice(1)}WebhookFailureRate`);
    const webhookMetric = (id: string, metricName: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'Switchboard', MetricName: metricName, Dimensions: [{ Name: 'provider', Value: provider }, { Name: 'service', Value: 'switchboard' }] },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });

    // Assess
    expect(alarm).toMatchObject({ Threshold: 5, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm.DatapointsToAlarm).toBeUndefined();
    expect(alarm.Metrics).toEqual([
      expect.objectContaining({
        Expression: `IF(p_${provider}_received >= 20, 100 * (p_${provider}_received - FILL(p_${provider}_enqueued, 0)) / p_${provider}_received, 0)`,
        ReturnData: true,
      }),
      webhookMetric(`p_${provider}_received`, 'WebhookReceived'),
      webhookMetric(`p_${provider}_enqueued`, 'WebhookEnqueued'),
    ]);
    expect(alarm.AlarmDescription).toContain('switchboard recent --endpoint <id> --outcome refused');
    expect(alarm.AlarmDescription).toContain('under 20 received');
  });

  it("alarms when the ack answers Meta with 503 in 3 consecutive 5-minute periods, long before Meta disables the subscription", () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, 'MetaAckUnavailable');

    // Assess
    expect(alarm).toEqual(
      expect.objectContaining({
        Namespace: 'Switchboard',
        MetricName: 'WebhookRejected',
        Dimensions: [
          { Name: 'provider', Value: 'meta' },
          { Name: 'reason', Value: 'queue_unavailable' },
          { Name: 'service', Value: 'switchboard' },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    expect(alarm.DatapointsToAlarm).toBeUndefined();
    expect(alarm.AlarmDescription).toContain('/health');
  });
});

describe('monitoring: backlogs and lags', () => {
  it('alarms when the ingest DLQ holds over 100 webhooks, beside its not-empty alarm', () => {
    // Prepare
    const { template, stack, logicalId } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, 'DeadLetterQueueBacklog');

    // Assess
    expect(alarm).toEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.ingest.deadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 100,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      }),
    );
    expect(alarm.AlarmDescription).toContain('switchboard dlq list');
    expect(alarm.AlarmDescription).toContain('switchboard dlq redrive');
  });

  it('alarms when the reconciler queues stuck sends again in 3 consecutive 5-minute periods', () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, 'SendsRequeued');

    // Assess
    expect(alarm).toEqual(
      expect.objectContaining({
        Namespace: 'Switchboard',
        MetricName: 'SendRequeued',
        Dimensions: [{ Name: 'service', Value: 'switchboard' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
      }),
    );
    expect(alarm.DatapointsToAlarm).toBeUndefined();
    expect(alarm.AlarmDescription).toContain('switchboard outbox list');
  });

  it.each(['ReceivedToStoredLag', 'StoredToPushedLag'])('alarms when %s p99 is over 5 s in 2 of 3 5-minute periods', (lag) => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const alarm = alarmProperties(template, `${lag}P99`);

    // Assess
    expect(alarm).toEqual(
      expect.objectContaining({
        Namespace: 'Switchboard',
        MetricName: lag,
        Dimensions: [{ Name: 'service', Value: 'switchboard' }],
        ExtendedStatistic: 'p99',
        Period: 300,
        Threshold: 5000,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      }),
    );
    expect(alarm.AlarmDescription).toContain('switchboard stats --hours 1');
  });
});

describe('monitoring: dashboard', () => {
  it("is one dashboard graphing the pipeline's figures and lags", () => {
    // Prepare
    const { template } = synthesizeMonitoring();

    // Act
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);

    // Assess
    expect(dashboards).toHaveLength(1);
    for (const figure of [
      'WebhookReceived',
      'WebhookRejected',
      'Dim.reason',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'MessageStored',
      'MessageDuplicate',
      'RequestQuarantined',
      'RecordRetried',
      'ProviderToReceivedLag',
      'ReceivedToStoredLag',
      'StoredToPushedLag',
      'FramesSent',
      'FramesFailed',
      'IteratorAge',
      'MessageSent',
      'Dim.channel',
      'SendFailed',
      'SendRequeued',
      'SendUnconfirmed',
      'Webhooks not queued (%), by provider',
      'Signatures refused, by provider',
      'queue_unavailable',
      'p99 budget',
      'Dim.category',
      'Send dead letters',
      'AWS/ApiGateway',
      'p50',
      'p99',
    ]) {
      expect(body).toContain(figure);
    }
  });
});
