import { mailgunEdge } from './mailgun/edge.ts';
import { mailgun } from './mailgun/index.ts';
import { metaEdge } from './meta/edge.ts';
import { meta } from './meta/index.ts';
import { sendgridEdge } from './sendgrid/edge.ts';
import { sendgrid } from './sendgrid/index.ts';
import { smsEdge } from './sms/edge.ts';
import { sms } from './sms/index.ts';
import { standardEdge } from './standard/edge.ts';
import { standard } from './standard/index.ts';
import { twilioEdge } from './twilio/edge.ts';
import { twilio } from './twilio/index.ts';
import { withHttpUrlsOnly } from './safe-urls.ts';
import type { Provider, ProviderEdge } from './types.ts';

/** A provider whose every event leaves with http(s) URLs only: done here so that no provider can forget it. */
const withSafeUrls = (provider: Provider): Provider => ({ ...provider, normalize: (request) => provider.normalize(request).map(withHttpUrlsOnly) });

/**
 * Every provider Switchboard accepts webhooks from, by the name in the webhook URL: a
 * provider's edge (what the ack needs) and the whole of it. The ack function uses only
 * `findEdge`, so its bundle drops the parsers (package.json marks modules side-effect free).
 * A test checks that both lists name the same providers.
 */
const edges: Readonly<Record<string, ProviderEdge>> = { twilio: twilioEdge, meta: metaEdge, sendgrid: sendgridEdge, mailgun: mailgunEdge, sms: smsEdge, standard: standardEdge };
const providers: Readonly<Record<string, Provider>> = { twilio, meta, sendgrid, mailgun, sms, standard };

export const providerNames = Object.keys(edges);

export const findEdge = (name: string): ProviderEdge | undefined => (Object.hasOwn(edges, name) ? edges[name] : undefined);

// Wrapped on demand, not in the table: a call at module level would keep every parser in the ack's bundle.
export const findProvider = (name: string): Provider | undefined => {
  const provider = Object.hasOwn(providers, name) ? providers[name] : undefined;
  return provider && withSafeUrls(provider);
};
