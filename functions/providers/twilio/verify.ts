import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type Verdict, type WebhookRequest } from '../types.ts';
import { decodeForm } from './form.ts';
import { bodySha256, signedBodyOf } from './signed-body.ts';
import { portForms, reencodedForms, signatureOf, signedParams } from './signature.ts';

/** What Twilio signed after the URL, or why the request cannot be Twilio's. */
const signedParamsOf = (request: WebhookRequest): { readonly params: string } | { readonly refusal: Verdict } => {
  const body = signedBodyOf(request.url);
  switch (body.kind) {
    case 'unreadable':
      return { refusal: refused(body.reason) };
    case 'json':
      return signaturesMatch(body.sha256, bodySha256(request.body)) ? { params: '' } : { refusal: refused('body does not match its bodySHA256') };
    case 'form': {
      const fields = decodeForm(request.body.toString('utf8'));
      return fields ? { params: signedParams(fields) } : { refusal: refused('malformed form body') };
    }
  }
};

/**
 * Checks X-Twilio-Signature against every URL form Twilio may have signed and every secret
 * of the endpoint (its Auth Tokens, two during a rotation).
 */
export const verifyTwilio = (request: WebhookRequest, endpoint: Endpoint): Verdict => {
  const received = request.headers['x-twilio-signature'];
  if (!received) return refused('missing X-Twilio-Signature');
  const signed = signedParamsOf(request);
  if ('refusal' in signed) return signed.refusal;
  // Stopping at the first match reveals only which secret or URL form matched, neither of
  // which is secret; each comparison itself is constant-time.
  const signedFor = (url: string) => endpoint.secrets.some((secret) => signaturesMatch(received, signatureOf(secret, url, signed.params)));
  if (portForms(request.url).some(signedFor) || reencodedForms(request.url).some(signedFor)) return accepted;
  return refused('invalid X-Twilio-Signature');
};
