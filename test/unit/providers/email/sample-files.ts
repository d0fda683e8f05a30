import { readFileSync } from 'node:fs';
import type { Endpoint } from '../../../../functions/core/endpoint.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';

/** A request sample from events/<provider>/, as users replay it. */
export interface SampleFile {
  readonly description: string;
  readonly url: string;
  readonly secret: string;
  readonly receivedAt?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const readSampleFile = (path: string): SampleFile =>
  JSON.parse(readFileSync(new URL(`../../../../events/${path}`, import.meta.url), 'utf8')) as SampleFile;

/** The request as the ack path hands it to a provider: header names lower-cased, the body as bytes. */
export const requestOf = (sample: SampleFile): WebhookRequest => ({
  url: sample.url,
  headers: Object.fromEntries(Object.entries(sample.headers).map(([name, value]) => [name.toLowerCase(), value])),
  body: Buffer.from(sample.body),
});

export const endpointWith = (provider: string, secrets: readonly string[]): Endpoint => ({
  endpointId: 'ep_0123456789abcdefghijklmnopq',
  provider,
  tenantId: 'acme',
  secrets,
  createdAt: '2026-11-01T00:00:00.000Z',
});
