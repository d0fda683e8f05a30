import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { HandlerFunction } from './handler-function.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** One S3 action on the objects under a prefix: request ids make the keys, so a prefix is as narrow as it gets. */
export const grantObjects = (fn: HandlerFunction, bucket: IBucket, action: 's3:GetObject' | 's3:PutObject', prefix: string): void => {
  const objects = bucket.arnForObjects(`${prefix}*`);
  fn.addToRolePolicy(new PolicyStatement({ actions: [action], resources: [objects] }));
  acknowledgeWildcardResource(fn, objects, `Object keys are request ids, unknown until a request arrives; ${action} is limited to ${prefix}.`);
};

/**
 * Reading one endpoint by key, as the ack and processor functions do: never a scan of the others'
 * secrets. Under a customer-managed key, DynamoDB decrypts with the caller's permission on it.
 */
export const grantEndpointLookup = (fn: HandlerFunction, endpointsTable: ITable): void => {
  endpointsTable.grant(fn, 'dynamodb:GetItem');
  endpointsTable.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:DescribeKey');
};
