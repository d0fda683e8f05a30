import { createHmac } from 'node:crypto';
import { timestampRefusal } from '../standard/timestamp-tolerance.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type Verdict, type WebhookRequest } from '../types.ts';

/**
 * SMS Gateway for Android's `X-Signature`: hex HMAC-SHA256(signing key, raw body + X-Timestamp).
 * The app signs each attempt afresh (PayloadSingingPlugin in capcom6/android-sms-gateway), so
 * a retry carries a new X-Timestamp and a freshness window does not refuse retries.
 * Doc: android-sms-gateway/docs-web docs/features/webhooks.md, "Payload Signing".
 */
export const androidGatewaySignature = (signingKey: string, body: Buffer, timestamp: string): string =>
  createHmac('sha256', signingKey).update(body).update(timestamp, 'utf8').digest('hex');

export const verifyAndroidGatewaySignature = (request: WebhookRequest, signingKeys: readonly string[], now: Date): Verdict => {
  const signature = request.headers['x-signature'];
  const timestamp = request.headers['x-timestamp'];
  if (!signature) return refused('missing X-Signature');
  if (!timestamp) return refused('missing X-Timestamp');
  const stale = timestampRefusal(timestamp, now, 'X-Timestamp');
  if (stale) return refused(stale);
  const matches = signingKeys.some((key) => signaturesMatch(signature, androidGatewaySignature(key, request.body, timestamp)));
  return matches ? accepted : refused('invalid X-Signature');
};
