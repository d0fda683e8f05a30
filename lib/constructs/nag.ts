import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
// cdk-nag names a wildcard finding by the resource flattened this way (`<LogicalId.Arn>/index/*`);
// its own function keeps the names equal whatever the stack's account and region resolve to.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import type { HandlerFunction } from './handler-function.ts';

/** cdk-nag acknowledgments that recur, each on the one resource it is about. */

/** Acknowledges the IAM5 finding of one wildcard resource (an ARN, tokens and all) on this function's role alone. */
export const acknowledgeWildcardResource = (fn: HandlerFunction, resourceArn: string, reason: string): void => {
  const resource = flattenCfnReference(Stack.of(fn).resolve(resourceArn));
  Validations.of(fn.role!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
};

/** CDK grants a table's indexes with the table: `index/*` covers the indexes this stack defines on it, and only those. */
export const acknowledgeTableIndexes = (fn: HandlerFunction, table: ITable): void => {
  acknowledgeWildcardResource(
    fn,
    `${table.tableArn}/index/*`,
    "CDK grants a table's actions on its own indexes with it: this table's indexes only, for the actions this statement names.",
  );
};

/**
 * A route API Gateway lets through unauthenticated because its function authenticates the
 * request itself: a provider's signature, or an inbox token, checked on every call.
 */
export const acknowledgeOwnAuthentication = (route: IConstruct, reason: string): void => {
  for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) Validations.of(route).acknowledge({ id, reason });
};
