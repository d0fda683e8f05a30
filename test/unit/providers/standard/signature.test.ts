import { describe, expect, it } from 'vitest';
import { signingKeyOf, standardWebhookHeaders, standardWebhookSignature } from '../../../../functions/providers/standard/signature.ts';

// The test vector of the reference JavaScript library ("sign function works"):
// standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts. Svix's docs use
// the same one (https://docs.svix.com/receiving/verifying-payloads/how).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  payload: '{"test": 2432232314}',
  signature: 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('standardWebhookSignature', () => {
  it("matches the reference library's test vector", () => {
    // Prepare
    const key = signingKeyOf(vector.secret);

    // Act
    const signature = key && standardWebhookSignature(key, vector.id, vector.timestamp, Buffer.from(vector.payload));

    // Assess
    expect(signature).toBe(vector.signature);
  });

  it('signs the body bytes as they are: one more space changes the signature', () => {
    const key = signingKeyOf(vector.secret);

    const signature = key && standardWebhookSignature(key, vector.id, vector.timestamp, Buffer.from('{"test":  2432232314}'));

    expect(signature).not.toBe(vector.signature);
  });
});

describe('signingKeyOf', () => {
  it('reads a secret with or without its whsec_ prefix as the same key, as the reference libraries do', () => {
    const withPrefix = signingKeyOf(vector.secret);
    const withoutPrefix = signingKeyOf(vector.secret.slice('whsec_'.length));

    expect(withPrefix?.toString('hex')).toBe(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64').toString('hex'));
    expect(withoutPrefix?.equals(withPrefix ?? Buffer.alloc(0))).toBe(true);
  });

  it.each(['', 'whsec_', 'whsec_not base64!', 'whsec_=', 'whsec_A'])('has no key for the unusable secret %j', (secret) => {
    expect(signingKeyOf(secret)).toBeUndefined();
  });
});

describe('standardWebhookHeaders', () => {
  it('produces the reference vector for its id, time and body', () => {
    const headers = standardWebhookHeaders(vector.secret, vector.id, new Date(Number(vector.timestamp) * 1000), vector.payload);

    expect(headers).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': vector.timestamp,
      'webhook-signature': `v1,${vector.signature}`,
    });
  });

  it('refuses to sign with a secret that holds no key', () => {
    expect(() => standardWebhookHeaders('whsec_', vector.id, new Date(), vector.payload)).toThrow(/whsec_/);
  });
});
