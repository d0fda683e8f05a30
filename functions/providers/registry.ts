import { importFullProvider } from './full-provider.ts';
import { mailgunEdge } from './mailgun/edge.ts';
import { metaEdge } from './meta/edge.ts';
import { sendgridEdge } from './sendgrid/edge.ts';
import { smsEdge } from './sms/edge.ts';
import { standardEdge } from './standard/edge.ts';
import { twilioEdge } from './twilio/edge.ts';
import { withHttpUrlsOnly } from './safe-urls.ts';
import type { Provider, ProviderEdge } from './types.ts';

/** A provider whose every event leaves with http(s) URLs only: done here so that no provider can forget it. */
const withSafeUrls = (provider: Provider): Provider => ({ ...provider, normalize: (request) => provider.normalize(request).map(withHttpUrlsOnly) });

/**
 * Every provider Switchboard accepts webhooks from, once, by its edge (<name>/edge.ts): what the
 * ack needs, under the name its webhook URLs carry. The whole provider, parsers included, is the
 * `<name>` export of <name>/index.ts, which `loadProvider` imports on first use.
 */
const edges: ReadonlyMap<string, ProviderEdge> = new Map([twilioEdge, metaEdge, sendgridEdge, mailgunEdge, smsEdge, standardEdge].map((edge) => [edge.name, edge]));

export const providerNames: readonly string[] = [...edges.keys()];

export const findEdge = (name: string): ProviderEdge | undefined => edges.get(name);

/** The whole provider registered under `name`, with only http(s) URLs in what it normalizes; undefined for any other name. */
export const loadProvider = async (name: string): Promise<Provider | undefined> => {
  const provider = edges.has(name) ? await importFullProvider(name) : undefined;
  return provider && withSafeUrls(provider);
};
