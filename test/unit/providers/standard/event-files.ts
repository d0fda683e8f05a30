import { readFileSync } from 'node:fs';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';

/** A sample request in events/: what a user invokes handlers with, in the format of events/twilio/inbound-sms.json. */
export interface EventFile {
  readonly description: string;
  readonly url: string;
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** When the sample's signed timestamp is fresh; absent when nothing signs a time. */
  readonly receivedAt?: string;
}

export const readEventFile = (path: string): EventFile =>
  JSON.parse(readFileSync(new URL(`../../../../events/${path}`, import.meta.url), 'utf8')) as EventFile;

/** The request the ack path hands a provider for this sample: header names lower-cased, the body as bytes. */
export const requestOf = (sample: EventFile): WebhookRequest => ({
  url: sample.url,
  headers: Object.fromEntries(Object.entries(sample.headers).map(([name, value]) => [name.toLowerCase(), value])),
  body: Buffer.from(sample.body, 'utf8'),
});
