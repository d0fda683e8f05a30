import { webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import type { Provider, RecordedRequest } from '../../functions/providers/types.ts';
import { readEventFile } from './event-file.ts';
import type { Target } from './target.ts';
import { hasControls, terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage-error.ts';

export interface SendOptions {
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  /** A file of events/<provider>/ (a recorded request) to post, signed afresh for the endpoint, instead of a sample message. */
  readonly event?: string;
  /** Print the equivalent curl command instead of sending. */
  readonly curl: boolean;
}

/**
 * The request `sign` makes with the first of the endpoint's secrets that makes one the endpoint
 * accepts: a SendGrid endpoint may hold its Event Webhook's public key, which signs nothing.
 * Otherwise a UsageError naming `what` could not be signed, and why when `sign` said.
 */
const signedWithEndpointSecret = (provider: Provider, endpoint: Endpoint, what: string, sign: (secret: string) => RecordedRequest, now: Date): RecordedRequest => {
  let reason: string | undefined;
  for (const secret of endpoint.secrets) {
    let request: RecordedRequest;
    try {
      request = sign(secret);
    } catch (error) {
      reason ??= error instanceof Error ? error.message : String(error);
      continue;
    }
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    if (provider.verify({ url: request.url, headers, body: Buffer.from(request.body) }, endpoint, now).ok) return request;
  }
  throw new UsageError(`none of endpoint ${endpoint.endpointId}'s secrets can sign ${what}${reason === undefined ? '' : `: ${reason}`}`);
};

/** What `send` posts: a sample message, or the recorded request of `--event`, signed for the endpoint at `url`. */
const requestToSend = async (provider: Provider, endpoint: Endpoint, url: string, options: SendOptions): Promise<RecordedRequest> => {
  const now = new Date();
  if (options.event === undefined) {
    const { text, from, to } = options;
    const sample = (secret: string) => ({ url, ...provider.sample({ url, secret, text, now, ...(from && { from }), ...(to && { to }) }) });
    return signedWithEndpointSecret(provider, endpoint, `a sample ${provider.name} message`, sample, now);
  }
  const file = await readEventFile(options.event);
  if (file.provider !== provider.name) {
    throw new UsageError(`${options.event} is a ${file.provider} request, and endpoint ${endpoint.endpointId} is ${provider.name}'s: send it one from events/${provider.name}/`);
  }
  return signedWithEndpointSecret(provider, endpoint, options.event, (secret) => provider.resign(file.request, { url, secret, now }), now);
};

/**
 * A shell word for `value`. One with control characters (a multipart body's CRLFs) is quoted
 * `$'…'` with them escaped, so the command is printed without them and still sends them.
 */
const shellQuote = (value: string): string =>
  hasControls(value) ? `$'${terminalSafe(value.replaceAll('\\', '\\\\').replaceAll("'", "\\'"))}'` : `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Sends an endpoint a message as its provider would: a realistic body, or a request recorded
 * in a file of events/<provider>/, signed with the endpoint's own secret. Like `stripe
 * trigger`, for trying the pipeline without a phone.
 */
export const send = async (target: Target, endpointId: string | undefined, options: SendOptions): Promise<string[]> => {
  if (!endpointId) throw new UsageError('usage: switchboard send <endpointId> [--text <text>] [--from <address>] [--to <address>] [--event <file>] [--curl]');
  const endpoint = await target.endpoints.get(endpointId);
  const provider = endpoint && (await loadProvider(endpoint.provider));
  if (!endpoint || !provider) throw new UsageError(`no endpoint ${endpointId}`);
  const url = webhookUrl(target.publicBaseUrl, endpoint.provider, endpoint.endpointId);
  const request = await requestToSend(provider, endpoint, url, options);
  if (options.curl) {
    const headers = Object.entries(request.headers).map(([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)} \\`);
    return [`curl -i -X POST ${shellQuote(request.url)} \\`, ...headers, `  --data-raw ${shellQuote(request.body)}`];
  }
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  return [`HTTP ${response.status} ${response.headers.get('content-type') ?? ''}`, ...(await response.text()).split('\n')];
};
