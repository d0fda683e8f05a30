import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webhookUrl } from '../../functions/core/ack.ts';
import { PermanentError } from '../../functions/core/errors.ts';
import type { NormalizedEvent } from '../../functions/core/message.ts';
import { metaJson, signedMetaRequest } from '../../functions/providers/meta/sample.ts';
import { loadProvider, providerNames } from '../../functions/providers/registry.ts';
import { standardWebhookHeaders } from '../../functions/providers/standard/signature.ts';
import type { Provider, WebhookRequest } from '../../functions/providers/types.ts';
import { inboundSmsFields, signedTwilioRequest } from '../helpers/twilio.ts';
import {
  fromCustomer,
  igAccountId,
  igsid,
  messagingPayload,
  pageId,
  psid,
  whatsappMessage,
  whatsappMessages,
  whatsappPayload,
} from '../unit/providers/meta/builders.ts';

/**
 * No provider's normalized events carry a URL a client must not follow: whatever a sender puts
 * in a provider's URL fields, only http(s) URLs reach the events the processor stores and the
 * API returns. Each provider adds its line to `requestsCarrying`: requests with a given URL in
 * every field of its payloads that holds one.
 */

const publicBaseUrl = 'https://hooks.example.com/prod';
const endpointId = 'ep_safeurls00000000000000000';
const now = new Date('2026-11-23T12:00:00.000Z');
const urlOf = (provider: string) => webhookUrl(publicBaseUrl, provider, endpointId);
const providers: ReadonlyMap<string, Provider> = new Map(await Promise.all(providerNames.map(async (name) => [name, (await loadProvider(name))!] as const)));
const secretOf = (provider: string) => providers.get(provider)!.contract.credentials.secret;

const jsonRequest = (provider: string, payload: unknown, headers: Record<string, string> = {}): WebhookRequest => ({
  url: urlOf(provider),
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(payload)),
});

const metaRequest = (payload: unknown): WebhookRequest => {
  const signed = signedMetaRequest(secretOf('meta'), metaJson(payload));
  return { url: urlOf('meta'), headers: signed.headers, body: Buffer.from(signed.body) };
};

const standardRequest = (type: string, data: unknown, id: string): WebhookRequest => {
  const body = JSON.stringify({ type, timestamp: now.toISOString(), data });
  return { url: urlOf('standard'), headers: { 'content-type': 'application/json', ...standardWebhookHeaders(secretOf('standard'), id, now, body) }, body: Buffer.from(body) };
};

const requestsCarrying: Readonly<Record<string, (url: string) => WebhookRequest[]>> = {
  twilio: (url) => {
    const fields = inboundSmsFields({ NumMedia: '2', MediaUrl0: url, MediaContentType0: 'image/jpeg', MediaUrl1: url });
    const signed = signedTwilioRequest(urlOf('twilio'), secretOf('twilio'), fields);
    return [{ url: urlOf('twilio'), headers: signed.headers, body: Buffer.from(signed.body) }];
  },
  meta: (url) => [
    // WhatsApp: a location's link and a click-to-chat ad's URLs.
    metaRequest(
      whatsappMessages(
        whatsappMessage({
          type: 'location',
          location: { latitude: 38.9, longitude: -77.03, name: 'Shop', url },
          referral: { source_url: url, source_type: 'ad', image_url: url, video_url: url, thumbnail_url: url, headline: 'Sale' },
        }),
      ),
    ),
    metaRequest(whatsappPayload({ changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT', link: url } }] })),
    // Messenger: files, a shared link, a template's image and buttons, a story reply, an ad referral, a postback's and a chat plugin's referrals.
    metaRequest(
      messagingPayload('page', pageId, [
        fromCustomer(psid, pageId, {
          message: {
            mid: 'm_safe-urls-1',
            attachments: [
              { type: 'image', payload: { url } },
              { type: 'fallback', title: 'A link', url, payload: { url, title: 'A link' } },
              {
                type: 'template',
                payload: { template_type: 'generic', elements: [{ title: 'Item', image_url: url, default_action: { type: 'web_url', url }, buttons: [{ type: 'web_url', url, title: 'Open' }] }] },
              },
            ],
            reply_to: { story: { id: 'story-1', url } },
            referral: { ref: 'ad', source: 'ADS', type: 'OPEN_THREAD', ads_context_data: { ad_title: 'Sale', photo_url: url, video_url: url } },
          },
        }),
        fromCustomer(psid, pageId, { postback: { mid: 'm_safe-urls-2', title: 'Start', payload: 'GET_STARTED', referral: { ref: 'x', source: 'SHORTLINK', type: 'OPEN_THREAD', referer_uri: url } } }),
        fromCustomer(psid, pageId, { referral: { ref: 'x', source: 'CUSTOMER_CHAT_PLUGIN', type: 'OPEN_THREAD', referer_uri: url } }),
      ]),
    ),
    // Instagram: a story mention, a shared post, a story reply.
    metaRequest(
      messagingPayload('instagram', igAccountId, [
        fromCustomer(igsid, igAccountId, {
          message: {
            mid: 'ig_safe-urls-1',
            attachments: [
              { type: 'story_mention', payload: { url } },
              { type: 'share', payload: { url } },
            ],
            reply_to: { story: { id: 'story-2', url } },
          },
        }),
      ]),
    ),
  ],
  sendgrid: (url) => [
    jsonRequest('sendgrid', [{ email: 'ana@example.com', timestamp: 1_763_900_000, event: 'click', url, url_offset: { index: 0, type: 'html' }, sg_event_id: 'ev-safe-urls', sg_message_id: 'sg-1.filter' }]),
  ],
  mailgun: (url) => [
    jsonRequest('mailgun', {
      signature: { timestamp: '1763900000', token: 'token', signature: 'signature' },
      'event-data': { event: 'clicked', id: 'ev-safe-urls', timestamp: 1_763_900_000, recipient: 'ana@example.com', url, storage: { url, key: 'k' } },
    }),
  ],
  sms: (url) => [
    jsonRequest('sms', { deviceId: 'device-1', event: 'mms:received', id: 'ev-safe-urls', payload: { messageId: 'm1', url, attachments: [{ url, contentType: 'image/jpeg' }] } }),
  ],
  standard: (url) => [
    standardRequest('message.received', { id: 'in-safe-urls', channel: 'sms', from: '+14155550100', to: '+15005550006', media: [{ url, contentType: 'image/jpeg' }] }, 'msg_safe_urls_1'),
    standardRequest('link.clicked', { url, links: [url] }, 'msg_safe_urls_2'),
  ],
};

/** What a client could follow: everything but message text, which a sender writes freely and clients show as text. */
const followable = (events: readonly NormalizedEvent[]): string =>
  JSON.stringify(events, (key, value: unknown) => (key === 'text' ? undefined : value));

/** The outcome the processor would store: the events, or a quarantine (PermanentError), which stores none. */
const normalized = (name: string, request: WebhookRequest): NormalizedEvent[] => {
  try {
    return providers.get(name)!.normalize(request);
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError);
    return [];
  }
};

const marker = 'x-unsafe-7f3a';
const unsafeUrls = [
  `javascript:alert('${marker}')`,
  `JaVaScRiPt:alert('${marker}')`,
  ` javascript:alert('${marker}')`,
  `java\tscript:alert('${marker}')`,
  `java\nscript:alert('${marker}')`,
  `\u0000\u001fjavascript:alert('${marker}')`,
  `data:text/html,<script>${marker}</script>`,
  `DATA:image/svg+xml,<svg onload="${marker}">`,
  `vbscript:msgbox("${marker}")`,
  `VBScript:msgbox("${marker}")`,
  `file:///etc/${marker}`,
  ` FILE://host/${marker}`,
  `//cdn.example.com/${marker}`,
];

/** A dangerous scheme as a browser would still read it: any case, leading spaces and C0 controls, tabs and newlines inside. */
const disguisedUrl = fc
  .tuple(
    fc.constantFrom('javascript', 'data', 'vbscript', 'file'),
    fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u0008', '\u001f'), { maxLength: 3 }),
    fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    fc.nat(),
    fc.constantFrom('', '\t', '\n', '\r'),
  )
  .map(([scheme, prefix, upper, at, inside]) => {
    const cased = [...scheme].map((letter, index) => (upper[index] ? letter.toUpperCase() : letter)).join('');
    const split = at % (cased.length + 1);
    return `${prefix.join('')}${cased.slice(0, split)}${inside}${cased.slice(split)}:${marker}`;
  });

describe('URLs in normalized events', () => {
  it('has a line for every registered provider', () => {
    expect(Object.keys(requestsCarrying).sort()).toEqual([...providerNames].sort());
  });

  describe.each(providerNames)('provider %s', (name) => {
    const build = requestsCarrying[name]!;

    it.each(unsafeUrls)('lets no %j reach the events', (url) => {
      for (const request of build(url)) expect(followable(normalized(name, request))).not.toContain(marker);
    });

    it('lets no disguised javascript:, data:, vbscript: or file: URL reach the events', () => {
      fc.assert(
        fc.property(disguisedUrl, (url) => {
          for (const request of build(url)) expect(followable(normalized(name, request))).not.toContain(marker);
        }),
        { numRuns: 100 },
      );
    });

    it('keeps https URLs, in every request that carries one', () => {
      const url = 'https://cdn.example.com/media/x-safe-2b9c/photo.jpg?sig=a%2Fb';

      for (const request of build(url)) expect(followable(providers.get(name)!.normalize(request))).toContain(url);
    });
  });
});
