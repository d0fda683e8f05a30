import type { ProviderSender, SendOutcome, SendRate, SendRequest } from '../../core/outbound.ts';
import { smsSegments } from '../twilio/segments.ts';
import { androidGatewayStatus, lookUpOnAndroidGateway, sendThroughAndroidGateway } from './android-send.ts';
import { sendThroughWebhookGateway } from './webhook-send.ts';

/**
 * An SMS gateway endpoint's sending, through the gateway its credentials name: SMS Gateway for
 * Android's API (android-send.ts) or a gateway that takes signed `message.send` webhooks
 * (webhook-send.ts).
 */

export interface SmsGatewaySenderOptions {
  /** SMS Gateway for Android's cloud server, for credentials that name no private server. @default 'https://api.sms-gate.app' */
  readonly androidBaseUrl?: string;
}

const notSmsCredentials: SendOutcome = {
  kind: 'failed',
  category: 'credentials',
  code: 'credentials',
  message: 'the endpoint has no SMS gateway credentials',
  hint: "Set the endpoint's SMS Gateway for Android username and password, or its gateway's webhook URL and signing secret.",
};

/**
 * A phone sends what its SIM and carrier let it, and neither gateway documents a rate: SMS
 * Gateway for Android queues on the device and paces itself with its own "Limits" and "Delay
 * between messages" settings (https://docs.sms-gate.app/faq/general/, "How can I avoid mobile
 * operator restrictions?"), and carriers flag bursts from a consumer SIM as spam. One segment a
 * second keeps a reply prompt without bursting; `--rate` sets another per endpoint.
 */
const gatewayRate: SendRate = { perSecond: 1 };

/** An SMS costs its segments, as the carrier counts them. */
const gatewayCost = ({ content }: Pick<SendRequest, 'channel' | 'content'>): number => smsSegments(content.text ?? '').segments;

export const createSmsGatewaySender = ({ androidBaseUrl = 'https://api.sms-gate.app' }: SmsGatewaySenderOptions = {}): ProviderSender => ({
  async send(request, credentials, signal) {
    if (credentials.provider !== 'sms') return notSmsCredentials;
    return credentials.gateway === 'android'
      ? sendThroughAndroidGateway(androidBaseUrl, request, credentials, signal)
      : sendThroughWebhookGateway(request, credentials, signal);
  },

  // Only SMS Gateway for Android can be asked about a message; a generic gateway is only told.
  async lookup(request, credentials, _since, signal) {
    if (credentials.provider !== 'sms' || credentials.gateway !== 'android') return { found: 'unknown' };
    return lookUpOnAndroidGateway(androidBaseUrl, request, credentials, signal);
  },

  async status(providerMessageId, credentials, signal) {
    if (credentials.provider !== 'sms' || credentials.gateway !== 'android') return undefined;
    return androidGatewayStatus(androidBaseUrl, providerMessageId, credentials, signal);
  },

  defaultRate: () => gatewayRate,
  costOf: gatewayCost,
});
