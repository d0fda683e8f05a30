import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sendgrid } from '../../../../functions/providers/sendgrid/index.ts';
import { inboundParseFields, inboundParseRequest } from '../../../../functions/providers/sendgrid/sample.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { endpointWith } from '../email/sample-files.ts';
import { multipleEvents, otherPublicKey, singleEvent, tamperedSignature } from './vectors.ts';

const url = 'https://hooks.example.com/webhooks/sendgrid/ep_0123456789abcdefghijklmnopq';
const now = new Date('2026-11-23T12:00:00Z');
const endpoint = (...secrets: string[]) => endpointWith('sendgrid', secrets);

const signedEvents = ({ payload, signature, timestamp }: { payload: string; signature: string; timestamp: string }): WebhookRequest => ({
  url,
  headers: {
    'content-type': 'application/json;charset=utf-8',
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  },
  body: Buffer.from(payload),
});

const parsePost = (credential: string): WebhookRequest => {
  const { body, headers } = inboundParseRequest(inboundParseFields({ text: 'Is my order ready?' }), credential);
  return { url, headers, body };
};

describe('sendgrid.verify: Event Webhook signature', () => {
  it("accepts SendGrid's official single-event vector", () => {
    // Prepare
    const request = signedEvents(singleEvent);

    // Act
    const verdict = sendgrid.verify(request, endpoint(singleEvent.publicKey), now);

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it("accepts SendGrid's official multi-event vector, CRLFs between events", () => {
    expect(sendgrid.verify(signedEvents(multipleEvents), endpoint(multipleEvents.publicKey), now).ok).toBe(true);
  });

  it('refuses the same events re-serialized without the CRLFs', () => {
    const reserialized = { ...multipleEvents, payload: JSON.stringify(JSON.parse(multipleEvents.payload)) };

    expect(sendgrid.verify(signedEvents(reserialized), endpoint(multipleEvents.publicKey), now)).toMatchObject({ ok: false, refusal: 'signature' });
  });

  it.each([
    ['a tampered body', { ...singleEvent, payload: 'payload' }],
    ['a tampered signature', { ...singleEvent, signature: tamperedSignature }],
    ['another timestamp', { ...singleEvent, timestamp: 'timestamp' }],
    ['a signature that is not base64 DER', { ...singleEvent, signature: '%%% not a signature %%%' }],
  ])('refuses %s (the SDK vectors)', (_, vector) => {
    expect(sendgrid.verify(signedEvents(vector), endpoint(singleEvent.publicKey), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'invalid X-Twilio-Email-Event-Webhook-Signature',
    });
  });

  it('refuses a batch signed with another key', () => {
    expect(sendgrid.verify(signedEvents(singleEvent), endpoint(otherPublicKey), now).ok).toBe(false);
  });

  it('accepts a batch signed with the second of two keys during a rotation', () => {
    expect(sendgrid.verify(signedEvents(singleEvent), endpoint(otherPublicKey, singleEvent.publicKey), now).ok).toBe(true);
  });

  it('accepts a key pasted with its PEM armour and line breaks', () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${singleEvent.publicKey.slice(0, 64)}\n${singleEvent.publicKey.slice(64)}\n-----END PUBLIC KEY-----\n`;

    expect(sendgrid.verify(signedEvents(singleEvent), endpoint(pem), now).ok).toBe(true);
  });

  it('refuses a signature without its timestamp header', () => {
    const { 'x-twilio-email-event-webhook-timestamp': _, ...headers } = signedEvents(singleEvent).headers;

    expect(sendgrid.verify({ ...signedEvents(singleEvent), headers }, endpoint(singleEvent.publicKey), now)).toMatchObject({
      ok: false,
      reason: 'missing X-Twilio-Email-Event-Webhook-Timestamp',
    });
  });

  it('never uses a basic-auth credential as a key, and skips secrets that are no key', () => {
    expect(sendgrid.verify(signedEvents(singleEvent), endpoint('user:password', 'not-a-key'), now).ok).toBe(false);
  });
});

describe('sendgrid.verify: Inbound Parse basic auth', () => {
  it('accepts the credential of the endpoint', () => {
    expect(sendgrid.verify(parsePost('switchboard:s3cret'), endpoint('switchboard:s3cret'), now)).toEqual({ ok: true });
  });

  it('refuses another password', () => {
    expect(sendgrid.verify(parsePost('switchboard:guess'), endpoint('switchboard:s3cret'), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'invalid Basic Authorization credential',
    });
  });

  it('accepts the second of two credentials during a rotation, among keys', () => {
    expect(sendgrid.verify(parsePost('switchboard:old'), endpoint('switchboard:new', singleEvent.publicKey, 'switchboard:old'), now).ok).toBe(true);
  });

  it('compares the whole credential, colons in the password included', () => {
    expect(sendgrid.verify(parsePost('user:pa:ss'), endpoint('user:pa:ss'), now).ok).toBe(true);
    expect(sendgrid.verify(parsePost('user:pa'), endpoint('user:pa:ss'), now).ok).toBe(false);
  });

  it('accepts a signed Parse POST on its basic auth when the endpoint has no key: refusing it would drop the mail', () => {
    const request = parsePost('switchboard:s3cret');
    const signed = { ...request, headers: { ...request.headers, 'x-twilio-email-event-webhook-signature': 'MEUCIQ==', 'x-twilio-email-event-webhook-timestamp': '1600112502' } };

    expect(sendgrid.verify(signed, endpoint('switchboard:s3cret'), now).ok).toBe(true);
  });

  it.each([
    ['no credential at all', {}],
    ['only an OAuth bearer token', { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' }],
  ])('refuses a request with %s', (_, headers) => {
    expect(sendgrid.verify({ ...parsePost('x:y'), headers }, endpoint('switchboard:s3cret'), now)).toMatchObject({
      ok: false,
      refusal: 'signature',
      reason: expect.stringMatching(/^missing/),
    });
  });

  it('refuses a malformed Authorization header', () => {
    const request = { ...parsePost('x:y'), headers: { authorization: 'Basic !!!not base64!!!' } };

    expect(sendgrid.verify(request, endpoint('switchboard:s3cret'), now).ok).toBe(false);
  });

  it('refuses everything when the endpoint has no secret', () => {
    expect(sendgrid.verify(parsePost('switchboard:s3cret'), endpoint(), now).ok).toBe(false);
  });
});

describe('sendgrid.verify on garbage', () => {
  it('refuses random headers, bodies and secrets without throwing', () => {
    const pick = <T>(values: readonly T[]): T => values[randomBytes(1)[0]! % values.length]!;
    const garbage = () => randomBytes(randomBytes(1)[0]!).toString(pick(['base64', 'latin1', 'hex', 'utf8'] as const));

    for (let round = 0; round < 300; round += 1) {
      const headers = Object.fromEntries(
        [['authorization', pick(['Basic ', 'basic', 'Bearer ', ''])], ['x-twilio-email-event-webhook-signature', ''], ['x-twilio-email-event-webhook-timestamp', '']]
          .filter(() => randomBytes(1)[0]! > 64)
          .map(([name, prefix]) => [name, `${prefix}${garbage()}`]),
      );
      const request: WebhookRequest = { url, headers, body: randomBytes(randomBytes(1)[0]!) };
      const secrets = [garbage(), `${garbage()}:${garbage()}`, singleEvent.publicKey];

      expect(sendgrid.verify(request, endpoint(...secrets), now).ok).toBe(false);
    }
  });
});

describe('sendgrid.acknowledge', () => {
  it('is an empty 200: SendGrid retries Parse only on 5xx and drops the mail on 4xx', () => {
    const { statusCode, body } = sendgrid.acknowledge(parsePost('x:y'));

    expect(statusCode).toBe(200);
    expect(body).toBe('');
  });
});

describe('sendgrid.consoleUrl', () => {
  it('shows where the Inbound Parse URL carries its basic-auth credential', () => {
    expect(sendgrid.consoleUrl?.(url)).toBe('https://USER:PASSWORD@hooks.example.com/webhooks/sendgrid/ep_0123456789abcdefghijklmnopq');
  });
});

describe('sendgrid.idsUniqueWithin', () => {
  it('is the endpoint: Message-Ids are chosen by whoever sends the mail', () => {
    expect(sendgrid.idsUniqueWithin).toBe('endpoint');
  });
});

describe('sendgrid.keptHeaders', () => {
  it('keeps what normalize and a replay need, never the basic-auth password', () => {
    expect(sendgrid.keptHeaders).toContain('content-type');
    expect(sendgrid.keptHeaders).toContain('x-twilio-email-event-webhook-signature');
    expect(sendgrid.keptHeaders).not.toContain('authorization');
  });
});
