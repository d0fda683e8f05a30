import { describe, expect, it } from 'vitest';
import { metaSignature, receivedSignature } from '../../../../functions/providers/meta/signature.ts';

describe('metaSignature', () => {
  it('matches the documented X-Hub-Signature-256 test vector', () => {
    // Meta documents the scheme but publishes no vector; GitHub documents one for the same
    // header and algorithm (sha256= + hex HMAC-SHA256 of the raw body):
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    // Prepare
    const secret = "It's a Secret to Everybody";

    // Act
    const signature = metaSignature(secret, Buffer.from('Hello, World!'));

    // Assess
    expect(signature).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('signs the bytes, so a string and its UTF-8 bytes sign alike', () => {
    const body = '{"text":"äöå"}';

    expect(metaSignature('secret', body)).toBe(metaSignature('secret', Buffer.from(body, 'utf8')));
  });
});

describe('receivedSignature', () => {
  it('lower-cases the hex of a well-formed header', () => {
    const hex = '757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17';

    expect(receivedSignature(`sha256=${hex}`)).toBe(`sha256=${hex.toLowerCase()}`);
  });

  it.each([
    ['the legacy SHA-1 form', 'sha1=0123456789abcdef0123456789abcdef01234567'],
    ['a bare hex digest', '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'],
    ['a short digest', 'sha256=757107ea'],
    ['non-hex characters', `sha256=${'z'.repeat(64)}`],
    ['two signatures', `sha256=${'a'.repeat(64)},sha256=${'b'.repeat(64)}`],
    ['an empty value', ''],
  ])('refuses %s', (_, header) => {
    expect(receivedSignature(header)).toBeUndefined();
  });
});
