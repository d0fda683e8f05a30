import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import type { RecordedRequest } from '../../functions/providers/types.ts';
import { UsageError } from './usage-error.ts';

/**
 * A webhook request as a file of events/<provider>/ records it: the URL the provider posted
 * to, its headers and exact body. The file also names the credential it was signed with
 * (`secret`) and when (`receivedAt`), which posting it again replaces.
 */
const eventFileSchema = z.object({ url: z.string(), headers: z.record(z.string(), z.string()), body: z.string() });

/** The provider a webhook URL is for: /webhooks/<provider>/<endpointId>, as the ack routes it. */
const providerInUrl = /\/webhooks\/([^/?#]+)\/[^/?#]+(?:[?#]|$)/;

/** Headers the HTTP client sets from the URL and body: never the recorded ones. */
const transportHeaders = new Set(['host', 'content-length']);

export interface EventFile {
  /** The provider whose webhook URL the request was posted to. */
  readonly provider: string;
  /** The request as recorded, header names lower-cased. */
  readonly request: RecordedRequest;
}

const readText = async (path: string): Promise<string> => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--event ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
};

const parseJson = (path: string, text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--event ${path}: not JSON`);
  }
};

/** The recorded request in a file of events/<provider>/, or a UsageError saying what is wrong with the file. */
export const readEventFile = async (path: string): Promise<EventFile> => {
  const parsed = eventFileSchema.safeParse(parseJson(path, await readText(path)));
  if (!parsed.success) throw new UsageError(`--event ${path}: not a recorded webhook request: it needs "url", "headers" and "body" strings, as the files of events/<provider>/ have`);
  const { url, headers, body } = parsed.data;
  const provider = providerInUrl.exec(url)?.[1];
  if (provider === undefined) throw new UsageError(`--event ${path}: its "url" is not a webhook URL (…/webhooks/<provider>/<endpointId>)`);
  const lowerCased = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value] as const);
  return { provider, request: { url, body, headers: Object.fromEntries(lowerCased.filter(([name]) => !transportHeaders.has(name))) } };
};
