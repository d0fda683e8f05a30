/**
 * Twilio's connection overrides, which turn on its retries (off by default for Messaging).
 * Twilio reads them from the URL fragment, which is never sent, so they change neither the
 * request nor what is signed.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
 * - ct: 2 s to connect, ample for API Gateway, so a failed connection leaves time to retry.
 * - rt: 5 s for the first byte, above the ack's cold start (verify, look up, enqueue).
 * - tt: 15 s in all, the maximum and Twilio's own deadline.
 * - rc, rp: up to 3 retries on connection failures, read timeouts and 5xx (the ack answers 503
 *   when the queue is unavailable); not on 4xx, which is a refusal a retry would repeat.
 * A retry is the same request, deduplicated by MessageSid.
 */
const connectionOverrides = 'ct=2000&rt=5000&tt=15000&rc=3&rp=ct,rt,5xx';

/** The URL to paste into Twilio's console: the webhook URL with retries turned on. */
export const twilioConsoleUrl = (webhookUrl: string): string => `${webhookUrl.split('#', 1)[0]}#${connectionOverrides}`;
