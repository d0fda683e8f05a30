import { describe, expect, it } from 'vitest';
import { Refused, Unavailable } from '../../../functions/core/errors.ts';
import { bodyOf, errorResponse, headersOf, searchOf } from '../../../functions/shared/http.ts';

describe('headersOf', () => {
  it('lower-cases every header name and keeps the values as they are', () => {
    // Prepare
    const event = { headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'AbC+/=', host: 'hooks.example.com' } };

    // Act
    const headers = headersOf(event);

    // Assess
    expect(headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AbC+/=', host: 'hooks.example.com' });
  });
});

describe('bodyOf', () => {
  // Non-ASCII text, a CRLF, and bytes that are not UTF-8 at all.
  const bytes = Buffer.concat([Buffer.from('Body=Ol\u00e1 caf\u00e9 \u{1F44B}\r\nline two&To=%2B1', 'utf8'), Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a])]);

  it('decodes a base64 body to exactly the bytes sent', () => {
    const body = bodyOf({ body: bytes.toString('base64'), isBase64Encoded: true });

    expect(body.equals(bytes)).toBe(true);
  });

  it('encodes a text body as UTF-8, keeping CRLF', () => {
    const text = 'Body=Ol\u00e1 caf\u00e9\r\nline two';

    const body = bodyOf({ body: text, isBase64Encoded: false });

    expect(body.equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('gives an empty body when there is none', () => {
    expect(bodyOf({ body: null, isBase64Encoded: false }).length).toBe(0);
  });
});

describe('searchOf', () => {
  it('rebuilds the query string from every value of every parameter', () => {
    const search = searchOf({ multiValueQueryStringParameters: { tag: ['spring'], id: ['1', '2'], q: ['a b&c'] } });

    expect(search).toBe('?tag=spring&id=1&id=2&q=a+b%26c');
  });

  it('is empty without parameters', () => {
    expect(searchOf({ multiValueQueryStringParameters: null })).toBe('');
    expect(searchOf({ multiValueQueryStringParameters: {} })).toBe('');
  });
});

describe('errorResponse', () => {
  it('answers an unavailability with 503, its message and Retry-After, and keeps its cause out', () => {
    const error = new Unavailable('queue', 'queue unavailable, retry later', 30, { cause: new Error('sqs at 10.0.0.12 refused') });

    const response = errorResponse(error);

    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'retry-after': '30' });
    expect(JSON.parse(response.body)).toEqual({ error: 'queue unavailable, retry later' });
    expect(response.body).not.toContain('10.0.0.12');
  });

  it.each([
    ['bad_request', 400],
    ['signature', 401],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['replayed', 401],
    ['unknown_endpoint', 404],
    ['not_found', 404],
    ['too_large', 413],
    ['window_closed', 409],
    ['recipient_opted_out', 409],
    ['no_send_credentials', 409],
    ['idempotency_key_reused', 422],
  ] as const)('answers a refusal for %s with %i, its message and its reason', (reason, statusCode) => {
    const response = errorResponse(new Refused(reason, 'the reason, for the caller'));

    expect(response.statusCode).toBe(statusCode);
    expect(JSON.parse(response.body)).toEqual({ error: 'the reason, for the caller', reason });
  });

  it("answers a refusal's details beside its message, for the caller to act on", () => {
    const response = errorResponse(new Refused('window_closed', 'the window closed', { closesAt: '2026-12-01T00:00:00.000Z', templateRequired: true }));

    expect(JSON.parse(response.body)).toEqual({ error: 'the window closed', reason: 'window_closed', closesAt: '2026-12-01T00:00:00.000Z', templateRequired: true });
  });

  it('answers a replay with the status the caller wants for one, and nothing else with it', () => {
    expect(errorResponse(new Refused('replayed', 'replayed token'), 406).statusCode).toBe(406);
    expect(errorResponse(new Refused('signature', 'invalid Mailgun signature'), 406).statusCode).toBe(401);
  });

  it('asks an unauthenticated caller for a bearer token', () => {
    const response = errorResponse(new Refused('unauthenticated', 'a valid token is required: Authorization: Bearer <JWT>'));

    expect(response.headers).toEqual({ 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
  });

  it.each([
    ['an Error', new Error('connect ECONNREFUSED db.internal:5432')],
    ['a thrown string', 'connect ECONNREFUSED db.internal:5432'],
  ])('answers %s with a generic 500 that reveals nothing of it', (_case, error) => {
    const response = errorResponse(error);

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":"internal error"}');
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toMatch(/\bat\s/);
  });
});
