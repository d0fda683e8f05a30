import { describe, expect, it } from 'vitest';
import { functionNames } from '../../lib/definitions/functions.ts';
import { synthesize } from '../helpers/synth.ts';

describe('alerts: functions publishing to the alarm topic', () => {
  it('gives the ack the alarm topic as ALERTS_TOPIC_ARN, the topic the alarms notify', () => {
    // Prepare
    const { stack, ref, variablesOf } = synthesize();

    // Act
    const variables = variablesOf(stack.functions.ack);

    // Assess
    expect(variables.ALERTS_TOPIC_ARN).toEqual(ref(stack.alarmTopic.topic));
    expect(stack.monitoring.topic).toBe(stack.alarmTopic.topic);
  });

  it('lets the ack publish to that topic and use its key to encrypt, with every action named', () => {
    // Prepare
    const { stack, ref, resources, logicalId, statementsOf } = synthesize();
    const topic = ref(stack.alarmTopic.topic);
    const keyId = (resources[logicalId(stack.alarmTopic.topic)].Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    // Act
    const statements = statementsOf(stack.functions.ack.role!);

    // Assess
    expect(statements.filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(topic))).toEqual([
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: topic },
    ]);
    expect(statements.filter((statement) => JSON.stringify(statement.Resource).includes(keyId))).toEqual([
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    ]);
  });

  it('lets no other function publish to the topic, use its key or know its ARN', () => {
    // Prepare
    const { stack, resources, logicalId, statementsOf, variablesOf } = synthesize();
    const topicId = logicalId(stack.alarmTopic.topic);
    const keyId = (resources[topicId].Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

    // Act
    const reaching = functionNames.filter((name) => {
      const fn = stack.functions[name];
      const granted = JSON.stringify(statementsOf(fn.role!));
      return granted.includes('sns:') || granted.includes(`"${topicId}"`) || granted.includes(`"${keyId}"`) || JSON.stringify(variablesOf(fn)).includes(`"${topicId}"`);
    });

    // Assess
    expect(reaching).toEqual(['ack']);
  });
});
