import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import { meta } from '../../../../functions/providers/meta/index.ts';
import { normalizedOf, signedRequest } from './builders.ts';

describe('meta.normalize: the envelope', () => {
  it('refuses a body that is not JSON as permanent', () => {
    expect(() => meta.normalize(signedRequest('not JSON {'))).toThrow(PermanentError);
  });

  it.each([
    ['a JSON array', []],
    ['no object', { entry: [] }],
    ['no entries', { object: 'page' }],
    ['entries that are not a list', { object: 'page', entry: {} }],
  ])('refuses %s as permanent', (_, payload) => {
    expect(() => normalizedOf(payload)).toThrow(PermanentError);
  });

  it('refuses the webhooks of other Graph objects as permanent, naming the object', () => {
    expect(() => normalizedOf({ object: 'user', entry: [] })).toThrow(/object "user"/);
  });

  it('refuses an object named like a built-in property', () => {
    expect(() => normalizedOf({ object: 'constructor', entry: [] })).toThrow(PermanentError);
  });

  it('returns no events for a POST with no entries', () => {
    expect(normalizedOf({ object: 'whatsapp_business_account', entry: [] })).toEqual([]);
  });
});
