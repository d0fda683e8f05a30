import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** An address subscribed to the topic; it must confirm the subscription email. */
  readonly alarmEmail?: string;
}

/**
 * Where the operator hears of trouble: the alarms (monitoring.ts) and the alerts a function
 * publishes (the ack's signature bursts, functions/adapters/alert-publisher.ts). Encrypted and
 * SSL only. Its own construct, built before the functions, because the functions that publish
 * are given its ARN and grant when they are built, and the alarms can only be built after them.
 */
export class AlarmTopic extends Construct {
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
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
    // A key of our own: the AWS managed SNS key's policy cannot let CloudWatch publish. A
    // function publishes with its role's grant (lib/constructs/grants.ts), which the key's
    // default policy lets IAM decide.
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
  }
}
