import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Grant } from '../definitions/functions.ts';
import { tableDefinitions } from '../definitions/tables.ts';
import type { HandlerFunction } from './handler-function.ts';
import { acknowledgeTableIndexes, acknowledgeWildcardResource } from './nag.ts';
import { required, type StackResources } from './stack-resources.ts';

const readsItems = (actions: readonly string[]) => actions.some((action) => ['dynamodb:GetItem', 'dynamodb:Query'].includes(action));

/**
 * One grant of a function's definition, in IAM: exactly the declared actions on the declared
 * resource, and the acknowledgments of the wildcards IAM cannot avoid.
 */
export const grant = (fn: HandlerFunction, declared: Grant, resources: StackResources): void => {
  if ('table' in declared) {
    const table = resources.tables[declared.table];
    table.grant(fn, ...declared.actions);
    // Under a customer-managed key, DynamoDB decrypts with the reader's permission on it.
    if (readsItems(declared.actions)) table.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey');
    if (tableDefinitions.find(({ id }) => id === declared.table)?.globalSecondaryIndexes.length) acknowledgeTableIndexes(fn, table);
  } else if ('queue' in declared) {
    required(resources.queues[declared.queue], `the ${declared.queue} queue`).grant(fn, ...declared.actions);
  } else if ('bucket' in declared) {
    // Request ids make the keys, so a prefix is as narrow as it gets.
    const objects = resources.buckets[declared.bucket].arnForObjects(`${declared.prefix}*`);
    fn.addToRolePolicy(new PolicyStatement({ actions: [...declared.actions], resources: [objects] }));
    acknowledgeWildcardResource(fn, objects, `Object keys are request ids, unknown until a request arrives; ${declared.actions.join(', ')} is limited to ${declared.prefix}.`);
  } else if ('secret' in declared) {
    required(resources.secrets[declared.secret], `the ${declared.secret} secret`).grantRead(fn);
  } else if ('topic' in declared) {
    const topic = required(resources.topics[declared.topic], `the ${declared.topic} topic`);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    // SNS encrypts a message with the publisher's own permission on the topic's key. Named, not
    // grantPublish's kms:GenerateDataKey*: SNS asks for GenerateDataKey and nothing else of that family.
    topic.masterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
  } else if ('webSocketConnections' in declared) {
    const stage = required(resources.webSocketStage, 'the WebSocket stage');
    stage.grantManagementApiAccess(fn);
    // The ARN grantManagementApiAccess writes.
    const connections = `${Stack.of(fn).formatArn({ service: 'execute-api', resource: stage.api.apiId })}/${stage.stageName}/*/@connections/*`;
    acknowledgeWildcardResource(fn, connections, 'Connection ids are assigned by API Gateway at $connect; the grant is limited to this API and stage.');
  } else {
    // These actions have no resource-level permissions: "*" is the only resource they accept.
    fn.addToRolePolicy(new PolicyStatement({ actions: [...declared.anyResource], resources: ['*'] }));
  }
};
