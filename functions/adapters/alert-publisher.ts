import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { signatureBurstAlert, type Alert, type SignatureBurst } from '../core/alerts.ts';

/**
 * The alarm topic, for the alerts a function raises itself: its subscribers (the stack's alarm
 * email, locally the terminal) read them beside the CloudWatch alarms.
 */
export const createAlertPublisher = (client: SNSClient, topicArn: string) => {
  const publish = async ({ subject, message }: Alert): Promise<void> => {
    await client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  };
  return {
    /** An endpoint's signature failures reached the alert threshold this hour. */
    signatureBurst: (burst: SignatureBurst): Promise<void> => publish(signatureBurstAlert(burst)),
  };
};

export type AlertPublisher = ReturnType<typeof createAlertPublisher>;
