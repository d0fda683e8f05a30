import { describe, expect, it } from 'vitest';
import { newSendKeySecret, openCredentials, parseCredentials, sealCredentials, sendKeyOf } from '../../../functions/adapters/credential-box.ts';
import type { SendCredentials } from '../../../functions/core/outbound.ts';

const key = sendKeyOf(newSendKeySecret());
const endpointId = 'ep_0123456789abcdefghijklmnopq';
const twilio: SendCredentials = { provider: 'twilio', accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'secret-auth-token-value' };
const twilioApiKey: SendCredentials = { provider: 'twilio', accountSid: `AC${'0123456789abcdef'.repeat(2)}`, apiKeySid: `SK${'fedcba9876543210'.repeat(2)}`, apiKeySecret: 'secret-api-key-value' };
const meta: SendCredentials = { provider: 'meta', accessToken: 'EAAG-secret-access-token' };
const androidGateway: SendCredentials = { provider: 'sms', gateway: 'android', username: 'JOHNDOE', password: 'secret-gateway-password' };
const privateAndroidGateway: SendCredentials = { ...androidGateway, apiUrl: 'https://sms.example.com/api' };
const webhookGateway: SendCredentials = { provider: 'sms', gateway: 'webhook', url: 'https://gateway.example.com/send', signingSecret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5' };

/** The sealed string with one character of its `index`th part changed to another of base64url's alphabet. */
const tamperWith = (sealed: string, index: number): string => {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
  return parts.join('.');
};

describe('credential box', () => {
  it.each([twilio, twilioApiKey, meta, privateAndroidGateway, webhookGateway])('opens what it sealed: %o', (credentials) => {
    // Act
    const opened = openCredentials(key, endpointId, sealCredentials(key, endpointId, credentials));

    // Assess
    expect(opened).toEqual(credentials);
  });

  it('seals the same credentials differently each time (a fresh IV)', () => {
    expect(sealCredentials(key, endpointId, meta)).not.toBe(sealCredentials(key, endpointId, meta));
  });

  it('keeps no plaintext in the sealed string', () => {
    // Act
    const sealed = [twilio, twilioApiKey, meta].map((credentials) => sealCredentials(key, endpointId, credentials)).join('\n');

    // Assess
    for (const secret of ['secret-auth-token-value', 'secret-api-key-value', 'EAAG-secret-access-token', 'AC0123456789', 'SKfedcba']) {
      expect(sealed).not.toContain(secret);
      expect(sealed).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 8));
    }
  });

  it('does not open for another endpoint: a sealed value copied onto another endpoint is useless', () => {
    // Prepare
    const sealed = sealCredentials(key, endpointId, twilio);

    // Act and Assess
    expect(() => openCredentials(key, 'ep_another', sealed)).toThrow();
  });

  it('does not open under another key', () => {
    // Prepare
    const sealed = sealCredentials(key, endpointId, twilio);

    // Act and Assess
    expect(() => openCredentials(sendKeyOf(newSendKeySecret()), endpointId, sealed)).toThrow();
  });

  it.each([
    ['the IV', 1],
    ['the ciphertext', 2],
    ['the tag', 3],
  ])('refuses a sealed value whose %s was changed', (_part, index) => {
    // Prepare
    const sealed = sealCredentials(key, endpointId, meta);

    // Act and Assess
    expect(() => openCredentials(key, endpointId, tamperWith(sealed, index))).toThrow();
  });

  it.each(['', 'plain text', 'v2.a.b.c', 'v1.onlyiv', JSON.stringify(meta)])('refuses what is not sealed credentials: %j', (sealed) => {
    expect(() => openCredentials(key, endpointId, sealed)).toThrow();
  });

  it('takes only a 32-byte key', () => {
    expect(() => sendKeyOf(Buffer.alloc(16).toString('base64'))).toThrow('the send key must be 32 bytes, base64-encoded');
  });
});

describe('parseCredentials', () => {
  it.each([twilio, twilioApiKey, meta, androidGateway, privateAndroidGateway, webhookGateway])('takes %o as it is', (credentials) => {
    expect(parseCredentials(credentials)).toEqual(credentials);
  });

  it.each([
    ['an Account SID that is not AC + 32 hex', { provider: 'twilio', accountSid: 'AC123', authToken: 'secret-auth-token-value' }],
    ['an API key SID that is not SK + 32 hex', { ...twilioApiKey, apiKeySid: 'secret-api-key-value' }],
    ['an empty auth token', { ...twilio, authToken: '' }],
    ['no access token', { provider: 'meta' }],
    ['a provider with another’s field', { provider: 'sendgrid', accessToken: 'secret-auth-token-value' }],
    ['an extra field', { ...meta, password: 'secret-auth-token-value' }],
    ['not an object', 'secret-auth-token-value'],
    ['an SMS gateway that is neither android nor webhook', { ...androidGateway, gateway: 'secret-gateway' }],
    ['an Android gateway without a password', { provider: 'sms', gateway: 'android', username: 'JOHNDOE' }],
    ['a private server URL that is not http(s)', { ...androidGateway, apiUrl: 'ftp://secret-host/api' }],
    ['a webhook gateway URL that is not http(s)', { ...webhookGateway, url: 'file:///secret-file' }],
    ['a webhook signing secret without whsec_', { ...webhookGateway, signingSecret: 'secret-signing-key' }],
    ['webhook and Android credentials mixed', { ...webhookGateway, password: 'secret-gateway-password' }],
  ])('refuses %s, saying what it takes and repeating no secret', (_case, input) => {
    // Act
    const error = (() => {
      try {
        parseCredentials(input);
      } catch (thrown) {
        return thrown as Error;
      }
      return undefined;
    })();

    // Assess
    expect(error?.message).toBe(
      'send credentials must be Twilio {accountSid AC…, authToken} or {accountSid AC…, apiKeySid SK…, apiKeySecret}, Meta {accessToken}, SendGrid {apiKey}, Mailgun {apiKey, domain}, ' +
        'SMS Gateway for Android {gateway: android, username, password, apiUrl?} or a webhook gateway {gateway: webhook, url, signingSecret whsec_…}',
    );
    expect(error?.message).not.toContain('secret-');
  });

  it('refuses a key with a line break, which would fail every send as if the provider never answered, naming the field and not its value', () => {
    // Act
    const refusal = () => parseCredentials({ provider: 'sendgrid', apiKey: 'SG.secret-part\nmore' });

    // Assess
    expect(refusal).toThrow('send credentials: apiKey holds a line break or another control character');
  });
});
