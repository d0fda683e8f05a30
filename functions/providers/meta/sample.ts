import { createHmac, randomBytes } from 'node:crypto';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { metaSignature } from './signature.ts';

/**
 * JSON as Meta writes it: non-ASCII characters and `/`, `<`, `%`, `@` escaped, with lowercase
 * hex. Meta signs these bytes, so a sample written any other way would not be realistic.
 * https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads
 */
export const metaJson = (payload: unknown): string =>
  JSON.stringify(payload).replace(/[\u007f-\uffff/<%@]/g, (character) =>
    character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** The signature headers Meta sends with a body, signed with the app secret. */
const signatureHeaders = (appSecret: string, body: string): Record<string, string> => ({
  // The legacy SHA-1 signature Meta still sends alongside; we never check it.
  'x-hub-signature': `sha1=${createHmac('sha1', appSecret).update(body).digest('hex')}`,
  'x-hub-signature-256': metaSignature(appSecret, body),
});

/** A body and the headers Meta sends with it, signed with the app secret. */
export const signedMetaRequest = (appSecret: string, body: string): SampleRequest => ({
  body,
  headers: { 'content-type': 'application/json', 'user-agent': 'facebookexternalua', ...signatureHeaders(appSecret, body) },
});

/**
 * A recorded Meta request signed with another app secret. Meta signs neither the URL nor a
 * time: posted twice, it is the same delivery twice, stored once (by its wamid or mid).
 */
export const resignMeta = (recorded: RecordedRequest, { url, secret }: ResignOptions): RecordedRequest => ({
  ...recorded,
  url,
  headers: { ...recorded.headers, ...signatureHeaders(secret, recorded.body) },
});

/** A wamid: `wamid.` and base64, as Meta writes them. */
export const newWamid = (): string => `wamid.${randomBytes(30).toString('base64')}`;

export interface WhatsappTextOptions {
  readonly text: string;
  /** The customer's wa_id. */
  readonly from: string;
  /** The business's phone_number_id. */
  readonly to: string;
  readonly sentAt: Date;
  readonly messageId: string;
}

/**
 * A WhatsApp Cloud API inbound text message, with the example values of Meta's webhook
 * reference (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text).
 */
export const whatsappTextPayload = ({ text, from, to, sentAt, messageId }: WhatsappTextOptions): unknown => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550783881', phone_number_id: to },
            contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: from }],
            messages: [
              { from, id: messageId, timestamp: String(Math.floor(sentAt.getTime() / 1000)), type: 'text', text: { body: text } },
            ],
          },
          field: 'messages',
        },
      ],
    },
  ],
});

export const metaSample = ({ secret, text, from = '16505551234', to = '106540352242922', now = new Date() }: SampleOptions): SampleRequest =>
  signedMetaRequest(secret, metaJson(whatsappTextPayload({ text, from, to, sentAt: now, messageId: newWamid() })));
