import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { signatureBurstAlert, type Alert, type SignatureBurst } from '../core/alerts.ts';
import { signedFetcher, type Signing } from './signed-fetch.ts';

export interface AlertPublisherOptions extends Signing {
  readonly topicArn: string;
  /** A stand-in's endpoint (fauxqs); AWS's own when absent. */
  readonly endpoint?: string;
}

/**
 * The alarm topic, for the alerts a function raises itself: its subscribers (the stack's alarm
 * email, locally the terminal) read them beside the CloudWatch alarms. SNS's Publish, signed by
 * hand (signed-fetch.ts): the SNS client would take the ack's bundle past its 500 KB budget for
 * a call made at most once an hour per endpoint.
 */
export const createAlertPublisher = ({ topicArn, endpoint, ...signing }: AlertPublisherOptions) => {
  const send = signedFetcher(signing);
  const publish = async ({ subject, message }: Alert): Promise<void> => {
    const url = new URL(endpoint ?? `https://sns.${await signing.region()}.amazonaws.com/`);
    const body = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: topicArn, Subject: subject, Message: message }).toString();
    const response = await send({ service: 'sns', method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
    // SNS answers a refusal (no permission, no such topic) with an XML ErrorResponse: its code and message say which.
    if (!response.ok) throw new Error(`SNS Publish to ${topicArn} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
    await response.arrayBuffer();
  };
  return {
    /** An endpoint's signature failures reached the alert threshold this hour. */
    signatureBurst: (burst: SignatureBurst): Promise<void> => publish(signatureBurstAlert(burst)),
  };
};

/** The ack's publisher: with the credentials and region its SQS client resolved, and the endpoint the local runtime sets. */
export const alertPublisherBeside = (client: { config: { credentials: Provider<AwsCredentialIdentity>; region: Provider<string> } }, topicArn: string) =>
  createAlertPublisher({
    topicArn,
    credentials: client.config.credentials,
    region: client.config.region,
    // The standard variable the SDK clients honour; the local runtime points it at fauxqs.
    ...(process.env.AWS_ENDPOINT_URL_SNS && { endpoint: process.env.AWS_ENDPOINT_URL_SNS }),
  });
