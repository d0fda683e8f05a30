import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { WebhookRequest } from '../types.ts';
import { decodeForm } from './form.ts';
import { signedBodyOf } from './signed-body.ts';

/** A webhook's parameters by name, whether Twilio posted them as a form or as JSON. */
export type TwilioFields = Readonly<Record<string, string>>;

/** A Twilio SID: a two-letter prefix (one of `prefixes`, a regex alternation) and 32 hex digits. */
export const sid = (prefixes: string) => z.string().check(z.regex(new RegExp(`^(${prefixes})[0-9a-fA-F]{32}$`), `a ${prefixes} SID`));

const fromForm = (text: string): TwilioFields => {
  const fields = decodeForm(text);
  if (!fields) throw new PermanentError('not a Twilio webhook: malformed form body');
  // A null prototype, so that a parameter named __proto__ is only a parameter.
  const byName: Record<string, string> = Object.create(null);
  for (const [name, value] of fields) byName[name] ??= value;
  return byName;
};

const fromJson = (text: string): TwilioFields => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PermanentError('not a Twilio webhook: its bodySHA256 says JSON, but the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PermanentError('not a Twilio webhook: a JSON body that is not an object');
  }
  const byName: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') byName[name] = String(value);
  }
  return byName;
};

/** The parameters of a verified request, read the way its signature covered them. */
export const fieldsOf = (request: WebhookRequest): TwilioFields => {
  const body = signedBodyOf(request.url);
  if (body.kind === 'unreadable') throw new PermanentError(`not a Twilio webhook: ${body.reason}`);
  const text = request.body.toString('utf8');
  return body.kind === 'json' ? fromJson(text) : fromForm(text);
};
