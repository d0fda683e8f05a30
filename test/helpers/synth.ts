import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SwitchboardStack, type SwitchboardStackProps } from '../../lib/switchboard-stack.ts';

export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** What every function's role holds before a construct grants it anything: its own log group and X-Ray. */
export const baselineActions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'] as const;

/**
 * A Switchboard stack synthesized for the infra tests, with lookups into its template. No
 * stack is bundled: the tests read the template, and esbuild would only slow them down.
 * Template.fromStack refuses a template with a dependency cycle (as `api.url` in the ack
 * function's environment would make), so every test also guards against what CloudFormation
 * would reject at deploy.
 */
const synthesizeStack = (props?: SwitchboardStackProps, app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })) => {
  const stack = new SwitchboardStack(app, 'Switchboard', props);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources;
  const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
  const resource = (construct: IConstruct) => resources[logicalId(construct)];
  const variablesOf = (fn: IConstruct): Record<string, unknown> => resource(fn).Properties.Environment.Variables as Record<string, unknown>;
  /** Every statement of the policies attached to a role, with `Action` always a list. */
  const statementsOf = (role: IConstruct): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(JSON.stringify(ref(role))))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as (Omit<Statement, 'Action'> & { Action: string | string[] })[])
      .map((statement) => ({ ...statement, Action: [statement.Action].flat() }));
  /** The actions a role was granted beyond the baseline every function has, sorted. */
  const grantedActions = (role: IConstruct): string[] =>
    statementsOf(role)
      .flatMap((statement) => statement.Action)
      .filter((action) => !(baselineActions as readonly string[]).includes(action))
      .sort();
  return { app, stack, template, resources, logicalId, ref, resource, variablesOf, statementsOf, grantedActions };
};

let defaultStack: ReturnType<typeof synthesizeStack> | undefined;

/**
 * See synthesizeStack. The stack with default settings is synthesized once per test file and
 * shared: tests only read it, and most of them ask for that one.
 */
export const synthesize = (props?: SwitchboardStackProps, app?: App): ReturnType<typeof synthesizeStack> =>
  props === undefined && app === undefined ? (defaultStack ??= synthesizeStack()) : synthesizeStack(props, app);
