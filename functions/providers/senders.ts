import type { ProviderSender, SendOutcome } from '../core/outbound.ts';

/**
 * Sending, per provider: each one's send client, imported on first use like `loadProvider`, so
 * that a function that never sends through a provider never loads its client. Also the two
 * rules every client shares: reading `Retry-After`, and what a failed `fetch` means.
 */

/** Where the providers' APIs are: configuration, so that local runs and tests reach the stand-ins; each defaults to the real API. */
export interface SenderBaseUrls {
  readonly twilioApiBaseUrl?: string;
  readonly graphApiBaseUrl?: string;
  readonly sendgridApiBaseUrl?: string;
  readonly mailgunApiBaseUrl?: string;
  readonly androidGatewayApiBaseUrl?: string;
}

const senderFactories: Readonly<Record<string, (urls: SenderBaseUrls) => Promise<ProviderSender>>> = {
  twilio: async ({ twilioApiBaseUrl }) => (await import('./twilio/send.ts')).createTwilioSender({ baseUrl: twilioApiBaseUrl }),
  meta: async ({ graphApiBaseUrl }) => (await import('./meta/send.ts')).createMetaSender({ baseUrl: graphApiBaseUrl }),
  sendgrid: async ({ sendgridApiBaseUrl }) => (await import('./sendgrid/send.ts')).createSendgridSender({ baseUrl: sendgridApiBaseUrl }),
  mailgun: async ({ mailgunApiBaseUrl }) => (await import('./mailgun/send.ts')).createMailgunSender({ baseUrl: mailgunApiBaseUrl }),
  sms: async ({ androidGatewayApiBaseUrl }) => (await import('./sms/send.ts')).createSmsGatewaySender({ androidBaseUrl: androidGatewayApiBaseUrl }),
};

/** The send client of the provider registered under `name`; undefined for a provider that cannot send (yet). */
export const loadSender = async (name: string, urls: SenderBaseUrls = {}): Promise<ProviderSender | undefined> =>
  Object.hasOwn(senderFactories, name) ? senderFactories[name]?.(urls) : undefined;

/**
 * `Retry-After` in seconds, from either of its forms (delay-seconds or an HTTP date);
 * undefined when absent or unreadable. https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export const retryAfterSecondsOf = (header: string | null, now = Date.now()): number | undefined => {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
};

// Failures that happen before a connection exists: nothing was written, so nothing was taken.
const beforeConnecting = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const errorCodesOf = (cause: unknown): string[] => {
  if (typeof cause !== 'object' || cause === null) return [];
  const code = 'code' in cause && typeof cause.code === 'string' ? [cause.code] : [];
  // Node tries every address of a host and reports them together (happy eyeballs).
  const inner = cause instanceof AggregateError ? cause.errors.flatMap(errorCodesOf) : [];
  return [...code, ...inner];
};

/**
 * What a `fetch` that threw means for the message. A refused connection or a name that does not
 * resolve happened before any byte was written: safe to send again. Anything else (the caller's
 * abort or timeout, a reset, a half-read answer) may have come after the provider took it.
 */
export const transportOutcome = (error: unknown, provider: string): SendOutcome => {
  const codes = error instanceof TypeError ? errorCodesOf(error.cause) : [];
  const code = codes.find((candidate) => beforeConnecting.has(candidate));
  if (code !== undefined) return { kind: 'temporary', code, message: `could not connect to ${provider}: ${code}` };
  const name = error instanceof Error ? error.name : 'Error';
  const detail = codes[0] ?? name;
  return { kind: 'unknown', code: detail, message: `no answer from ${provider} (${detail}); it may have taken the message` };
};
