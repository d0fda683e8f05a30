import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import { refused, type Verdict, type WebhookRequest } from '../types.ts';
import { mailgunSignature, signedTokenOf } from './signature.ts';

/**
 * How far a signed timestamp may be from our clock. The body is unsigned, so a captured token
 * with a forged body is refused by the token claim below, as long as the claim outlives this
 * window; the window itself only has to cover Mailgun's sending latency and clock skew. A stale
 * timestamp is refused as a replay (406, which Mailgun never retries), so a legitimate POST
 * refused here is mail lost: hence minutes, not Mailgun's 15-second sample (Action Mailbox uses
 * 2 minutes, the Standard Webhooks libraries 5). Retries are re-signed with a fresh token and
 * timestamp.
 */
export const freshnessSeconds = 5 * 60;

/**
 * How long a token stays claimed: a timestamp first seen at the early edge of the window stays
 * acceptable for two windows, plus a minute of slack for the claim store's own clock.
 */
const tokenClaimSeconds = 2 * freshnessSeconds + 60;

const unixSeconds = /^\d{1,12}$/;

export const verifyMailgun = (request: WebhookRequest, endpoint: Endpoint, now: Date): Verdict => {
  const signed = signedTokenOf(request);
  if (!signed) return refused('missing Mailgun timestamp, token or signature');
  // Stopping at the first match reveals only which key matched; each comparison is constant-time.
  const matches = endpoint.secrets.some((key) => signaturesMatch(signed.signature, mailgunSignature(key, signed.timestamp, signed.token)));
  if (!matches || !unixSeconds.test(signed.timestamp)) return refused('invalid Mailgun signature');
  const skewSeconds = Math.abs(now.getTime() / 1000 - Number(signed.timestamp));
  if (skewSeconds > freshnessSeconds) {
    return refused(`Mailgun timestamp is ${Math.round(skewSeconds)} s from now, outside ±${freshnessSeconds} s`, 'replayed');
  }
  return { ok: true, nonce: { key: signed.token, ttlSeconds: tokenClaimSeconds } };
};
