import { createHmac } from 'node:crypto';

/**
 * Twilio's request signature: base64(HMAC-SHA1(auth token, url + each parameter's name and
 * value, sorted by name)). Repeated names contribute each distinct value, sorted, as
 * twilio-node's `validateRequest` does.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export const twilioSignature = (authToken: string, url: string, params: URLSearchParams): string => {
  let signed = url;
  for (const name of [...new Set(params.keys())].sort()) {
    for (const value of [...new Set(params.getAll(name))].sort()) signed += name + value;
  }
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
};

const defaultPorts: Record<string, string> = { 'https:': '443', 'http:': '80' };

/**
 * The URLs Twilio may have signed for one public URL: Twilio sometimes includes the default
 * port and sometimes not, so twilio-node tries both, and so do we.
 */
export const signedUrlVariants = (url: string): string[] => {
  const parsed = new URL(url);
  const defaultPort = defaultPorts[parsed.protocol];
  const explicitPort = /^[a-z]+:\/\/[^/]*:\d+/i.test(url);
  if (!defaultPort || (explicitPort && parsed.port !== '')) return [url];
  const rest = `${parsed.pathname}${parsed.search}`;
  return [`${parsed.protocol}//${parsed.hostname}${rest}`, `${parsed.protocol}//${parsed.hostname}:${defaultPort}${rest}`];
};
