import { openCredentials } from '../../functions/adapters/credential-box.ts';
import type { EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { SendCredentials } from '../../functions/core/outbound.ts';
import { webhookUrl } from '../../functions/core/ack.ts';
import { secretPrefix } from '../../functions/providers/standard/signature.ts';
import { isBasicCredential } from '../../functions/providers/sendgrid/credentials.ts';
import { startAndroidGatewayApiStandIn } from './provider-standins/android-gateway-api.ts';
import { startGraphApiStandIn } from './provider-standins/graph-api.ts';
import { startMailgunApiStandIn } from './provider-standins/mailgun-api.ts';
import { startSendgridApiStandIn } from './provider-standins/sendgrid-api.ts';
import { startWebhookGatewayStandIn } from './provider-standins/webhook-gateway.ts';
import { startTwilioApiStandIn } from './provider-standins/twilio-api.ts';

export interface ProviderApiOptions {
  /** The endpoints table, where the stand-ins find the account a request authenticates as, as the providers know their own accounts. */
  readonly endpoints: EndpointStore;
  /** The stack's send key, to open the endpoints' sealed send credentials. */
  sendKey(): Promise<Buffer>;
  /** The base of webhook URLs: where Meta's stand-in posts an app's webhooks. */
  readonly publicBaseUrl: string;
  /** Tests shorten or lengthen the time between a send and its callbacks. */
  readonly callbackDelaysMs?: { readonly sent?: number; readonly delivered?: number; readonly read?: number };
}

/**
 * The providers' send APIs on 127.0.0.1, for the local stack: Twilio's Messages API and the
 * Graph API's messages endpoints (provider-standins/). They know an account by the send
 * credentials set on an endpoint (`switchboard endpoint credentials`), as the real ones know
 * theirs, and post status callbacks signed with that endpoint's webhook secret, which is the
 * account's auth token (Twilio) or the app secret (Meta), as the real ones sign them.
 */
export const startProviderApis = async (options: ProviderApiOptions) => {
  const accounts = async (provider: string): Promise<{ endpoint: Endpoint; credentials: SendCredentials }[]> => {
    const key = await options.sendKey();
    return (await options.endpoints.list()).flatMap((endpoint) => {
      if (endpoint.provider !== provider || !endpoint.sending) return [];
      try {
        return [{ endpoint, credentials: openCredentials(key, endpoint.endpointId, endpoint.sending.sealedCredentials) }];
      } catch {
        return [];
      }
    });
  };
  const twilioAccount = async (accountSid: string) =>
    (await accounts('twilio')).find(({ credentials }) => credentials.provider === 'twilio' && credentials.accountSid === accountSid);

  const twilio = await startTwilioApiStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: options.callbackDelaysMs }),
    authTokenOf: async (accountSid) => {
      const account = await twilioAccount(accountSid);
      if (!account) return undefined;
      return 'authToken' in account.credentials ? account.credentials.authToken : account.endpoint.secrets[0];
    },
    apiKeySecretOf: async (accountSid, apiKeySid) => {
      const credentials = (await twilioAccount(accountSid))?.credentials;
      return credentials && 'apiKeySid' in credentials && credentials.apiKeySid === apiKeySid ? credentials.apiKeySecret : undefined;
    },
  });
  const graph = await startGraphApiStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: options.callbackDelaysMs }),
    // WhatsApp media takes the token of any Meta account the stack has, as Graph takes any token with access to the number.
    knowsToken: async (accessToken) => (await accounts('meta')).some(({ credentials }) => credentials.provider === 'meta' && credentials.accessToken === accessToken),
    webhookOf: async (accessToken) => {
      const account = (await accounts('meta')).find(({ credentials }) => credentials.provider === 'meta' && credentials.accessToken === accessToken);
      const appSecret = account?.endpoint.secrets[0];
      return account && appSecret ? { url: `${options.publicBaseUrl.replace(/\/+$/, '')}/webhooks/meta/${account.endpoint.endpointId}`, appSecret } : undefined;
    },
  });
  // SMS gateway endpoints: the app signs its webhooks with the endpoint's shared secret (not a whsec_ one) as its signing key.
  const smsWebhookOf = (endpoint: Endpoint, secret: string | undefined) => (secret === undefined ? undefined : { url: webhookUrl(options.publicBaseUrl, 'sms', endpoint.endpointId), secret });
  const androidGateway = await startAndroidGatewayApiStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: options.callbackDelaysMs }),
    accountOf: async (username) => {
      const account = (await accounts('sms')).find(({ credentials }) => credentials.provider === 'sms' && credentials.gateway === 'android' && credentials.username === username);
      if (account?.credentials.provider !== 'sms' || account.credentials.gateway !== 'android') return undefined;
      const webhook = smsWebhookOf(account.endpoint, account.endpoint.secrets.find((secret) => secret !== '' && !secret.startsWith(secretPrefix)));
      return { password: account.credentials.password, ...(webhook && { webhook: { url: webhook.url, signingKey: webhook.secret } }) };
    },
  });
  // A gateway of the operator's own, for `--sms-webhook-url`: it posts statuses with the endpoint's own secret.
  const webhookGateway = await startWebhookGatewayStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: options.callbackDelaysMs }),
    accounts: async () =>
      (await accounts('sms')).flatMap(({ endpoint, credentials }) => {
        if (credentials.provider !== 'sms' || credentials.gateway !== 'webhook') return [];
        const statusWebhook = smsWebhookOf(endpoint, endpoint.secrets.find((secret) => secret.startsWith(secretPrefix)) ?? endpoint.secrets[0]);
        return [{ signingSecret: credentials.signingSecret, ...(statusWebhook && { statusWebhook }) }];
      }),
  });
  // Email: SendGrid knows an account by its API key, Mailgun a domain by its name; each posts events to the endpoint's webhook URL.
  const sendgrid = await startSendgridApiStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: { processed: options.callbackDelaysMs.sent, delivered: options.callbackDelaysMs.delivered, read: options.callbackDelaysMs.read } }),
    accountOf: async (apiKey) => {
      const account = (await accounts('sendgrid')).find(({ credentials }) => credentials.provider === 'sendgrid' && credentials.apiKey === apiKey);
      if (!account) return undefined;
      const basicCredential = account.endpoint.secrets.find(isBasicCredential);
      return { webhook: { url: webhookUrl(options.publicBaseUrl, 'sendgrid', account.endpoint.endpointId), ...(basicCredential && { basicCredential }) } };
    },
  });
  const mailgun = await startMailgunApiStandIn({
    ...(options.callbackDelaysMs && { callbackDelaysMs: options.callbackDelaysMs }),
    domainOf: async (domain) => {
      const account = (await accounts('mailgun')).find(({ credentials }) => credentials.provider === 'mailgun' && credentials.domain === domain);
      if (account?.credentials.provider !== 'mailgun') return undefined;
      const signingKey = account.endpoint.secrets[0];
      return { apiKey: account.credentials.apiKey, ...(signingKey && { webhook: { url: webhookUrl(options.publicBaseUrl, 'mailgun', account.endpoint.endpointId), signingKey } }) };
    },
  });
  return {
    twilio,
    graph,
    /** Its `verificationKey` is the secret that lets an endpoint verify its Event Webhook signatures. */
    sendgrid,
    mailgun,
    androidGateway,
    /** Where an endpoint's `--sms-webhook-url` may point to send through the generic gateway's stand-in. */
    webhookGateway,
    baseUrls: { twilioApiBaseUrl: twilio.url, graphApiBaseUrl: graph.url, androidGatewayApiBaseUrl: androidGateway.url, sendgridApiBaseUrl: sendgrid.url, mailgunApiBaseUrl: mailgun.url },
    stop: async () => {
      await Promise.all([twilio.stop(), graph.stop(), androidGateway.stop(), webhookGateway.stop(), sendgrid.stop(), mailgun.stop()]);
    },
  };
};

export type ProviderApis = Awaited<ReturnType<typeof startProviderApis>>;
