import { maxWaitSeconds } from '../../functions/core/accept.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

/**
 * `switchboard reply` and `switchboard send-message`: a message sent through the stack's own
 * HTTP API (POST /conversations/{id}/messages, POST /messages) as the tenant's agent would,
 * with a token minted for the tenant and an Idempotency-Key, so a retry never sends twice.
 */

export interface ContentFlags {
  readonly text?: string;
  readonly template?: string;
  readonly language?: string;
  readonly params: readonly string[];
  /** Files go with it (`--file`): they may stand without text. */
  readonly withFiles?: boolean;
}

/** The message's content as the API takes it: text, or a WhatsApp template with its parameters. */
export const contentOf = ({ text, template, language, params, withFiles = false }: ContentFlags): Record<string, unknown> => {
  if (text !== undefined && template !== undefined) throw new UsageError('give --text or --template, not both: a template is sent alone');
  if (template === undefined) {
    if (language !== undefined || params.length > 0) throw new UsageError(`${language !== undefined ? '--language' : '--param'} goes with --template`);
    if (text === undefined && !withFiles) throw new UsageError('a message needs --text, or --template with --language');
    return text === undefined ? {} : { text };
  }
  if (withFiles) throw new UsageError('give --file or --template, not both: a template is sent alone');
  if (language === undefined) throw new UsageError('--language is required with --template: the code it was approved in, e.g. en_US');
  return { template: { name: template, language, parameters: params } };
};

/** `--wait` as the API takes it: whole seconds, at most its own limit. */
export const waitSecondsOf = (wait: string | undefined): number | undefined => {
  if (wait === undefined) return undefined;
  if (!/^\d{1,2}$/.test(wait) || Number(wait) > maxWaitSeconds) throw new UsageError(`--wait is whole seconds from 0 to ${maxWaitSeconds}; got "${wait}"`);
  return Number(wait);
};

export interface MessageRequest {
  /** `/conversations/{id}/messages` or `/messages`. */
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly idempotencyKey: string;
  readonly waitSeconds?: number;
}

export const replyPath = (conversationId: string): string => `/conversations/${encodeURIComponent(conversationId)}/messages`;
export const firstMessagePath = '/messages';

/** The HTTP request the API is sent, with the tenant's token. */
export const httpRequestOf = (baseUrl: string, token: string, request: MessageRequest): { url: string; init: RequestInit } => {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${request.path}`);
  if (request.waitSeconds !== undefined) url.searchParams.set('wait', String(request.waitSeconds));
  return {
    url: url.toString(),
    init: {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
      body: JSON.stringify(request.body),
    },
  };
};

/** The token lasts the request and its wait: a few minutes, at most what the stack accepts. */
const tokenSeconds = 300;
/** API Gateway answers within 29 s; a margin beyond that, and beyond the wait. */
const answerTimeoutMs = (waitSeconds = 0) => (30 + waitSeconds) * 1000;

export interface Answer {
  readonly status: number;
  readonly text: string;
}

/** Posts the message as the tenant; an answer that never comes is an error that says how to find out what happened. */
export const postMessage = async (target: Target, tenant: string, request: MessageRequest): Promise<Answer> => {
  const token = await issueToken(tenant, await target.jwtSecret(), Math.min(tokenSeconds, target.tokenMaxLifetimeSeconds), target.tokenMaxLifetimeSeconds);
  const { url, init } = httpRequestOf(target.publicBaseUrl, token, request);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(answerTimeoutMs(request.waitSeconds)) });
  } catch (error) {
    throw new Error(
      `no answer from ${url} (${(error as Error).message}): the message may have been accepted; run the same command with --idempotency-key ${request.idempotencyKey} to find out without sending it twice`,
      { cause: error },
    );
  }
  return { status: response.status, text: await response.text() };
};

/** What the command prints and exits with: the answer on stdout, and for a refusal its reason on stderr and exit code 1. */
export const outcomeOf = ({ status, text }: Answer): { stdout: string[]; error?: string; code: number } => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const stdout = body === undefined ? text.split('\n') : JSON.stringify(body, null, 2).split('\n');
  if (status >= 200 && status < 300) return { stdout, code: 0 };
  // Switchboard's refusals say `error`; API Gateway's own (an authorizer's 401, a throttle's 429) say `message`.
  const { error, message } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown };
  const reason = [error, message].find((value) => typeof value === 'string') as string | undefined;
  return { stdout, error: reason ?? `the API answered HTTP ${status}`, code: 1 };
};
