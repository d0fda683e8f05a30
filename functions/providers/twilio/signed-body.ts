import { createHash } from 'node:crypto';
import { decodeForm } from './form.ts';

/**
 * How Twilio's signature covers a request's body. A form body is signed parameter by
 * parameter. A JSON body is signed through the URL: Twilio adds `bodySHA256=<hex SHA-256 of
 * the body>` to its query and signs the URL with no parameters (error 57012 doc,
 * https://www.twilio.com/docs/api/errors/57012; twilio-node `validateRequestWithBody`).
 */
export type SignedBody =
  | { readonly kind: 'form' }
  | { readonly kind: 'json'; readonly sha256: string }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The query parameter that carries a JSON body's hash. */
export const bodyHashParam = 'bodySHA256';
const form: SignedBody = Object.freeze({ kind: 'form' });

/** Read from the URL, which the signature covers, never from the unsigned Content-Type. */
export const signedBodyOf = (url: string): SignedBody => {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || !url.includes(bodyHashParam, queryStart)) return form;
  const query = decodeForm(url.slice(queryStart + 1));
  if (!query) return { kind: 'unreadable', reason: 'malformed query string' };
  const hashes = query.filter(([name]) => name === bodyHashParam);
  if (hashes.length === 0) return form;
  // Two hashes could name one body to the signature check and another to a reader.
  if (hashes.length > 1) return { kind: 'unreadable', reason: `more than one ${bodyHashParam}` };
  return { kind: 'json', sha256: hashes[0]?.[1] ?? '' };
};

export const bodySha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
