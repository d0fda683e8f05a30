import { emailPartsOf } from './email-reply.ts';
import { maySendThrough, type Endpoint } from './endpoint.ts';
import { statusRank } from './items.ts';
import type { LookupResult, OutboundAttachment, OutboundMedia, ProviderSender, SendCredentials, SendOutcome, SendRequest } from './outbound.ts';
import type { OutboundMessage, SendFailure, SendingAddress } from './sending-items.ts';
import { isStoredUpload, type StoredUpload } from './uploads.ts';

/**
 * The sender's decisions for one queued message: claim it with a conditional write (a
 * redelivered record sends nothing), wait for its sender's rate slot, call the provider once,
 * and settle what the answer says. A message is never sent twice: when the provider may have
 * taken it (a timeout, a 5xx), the sender waits for the provider's status callback, which
 * names our id, then asks the provider where its API can tell, and only then decides.
 *
 * Every change is conditional on the claim (or on the unknown state it settles), so two
 * senders holding records of one message cannot both act on it.
 */

/** How a settle is guarded: by the claim it holds, or by the unknown state it resolves. */
export type Guard = { readonly claimId: string } | { readonly unknownSince: string };

/** What a settle writes on the message, besides what its guard requires. */
export type Settlement =
  | { readonly kind: 'sent'; readonly providerMessageId: string }
  | { readonly kind: 'retry'; readonly notBefore: string; readonly attemptsDelta: number; readonly lastError: SendFailure }
  | { readonly kind: 'unknown'; readonly lastError: SendFailure }
  | { readonly kind: 'failed'; readonly failure: SendFailure }
  /** A status callback already settled it. */
  | { readonly kind: 'done' };

export type ClaimResult = { readonly claimed: OutboundMessage } | { readonly current: OutboundMessage | undefined };

export interface SenderDependencies {
  /** Claims a message that is ready and due; otherwise answers it as it is (undefined: no such message of the tenant's). */
  claim(tenantId: string, messageId: string, claimId: string, now: Date): Promise<ClaimResult>;
  /** Writes a settlement if its guard still holds; false when it no longer does (another sender moved on). */
  settle(message: OutboundMessage, guard: Guard, settlement: Settlement, now: Date): Promise<boolean>;
  /** Turns a claim whose sender vanished (its lease ran out) into an unknown outcome. */
  abandonClaim(message: OutboundMessage & { readonly claimId: string }, now: Date): Promise<boolean>;
  endpoint(endpointId: string): Promise<Endpoint | undefined>;
  openCredentials(endpoint: Endpoint): Promise<SendCredentials>;
  sender(provider: string): Promise<ProviderSender | undefined>;
  /** Reserves the next slot of a sender's rate, if it comes within `maxWaitMs`: when to send, or when to try again. */
  reserve(sender: SendingAddress, perSecond: number, cost: number, now: Date, maxWaitMs: number): Promise<{ readonly at: number } | { readonly retryAt: number }>;
  /** Pushes a sender's next slot to `until`, after the provider said it is over its rate. */
  slowDown(sender: SendingAddress, until: number): Promise<void>;
  /** Queues the message again, delivered after `delaySeconds`. */
  requeue(message: Pick<OutboundMessage, 'id' | 'tenantId' | 'channel'>, delaySeconds: number): Promise<void>;
  /** Stops all sending through an endpoint whose credentials the provider refused. */
  pauseEndpoint(endpointId: string, reason: string, now: Date): Promise<void>;
  /** Remembers that the recipient opted out, on the conversation. */
  optOut(message: OutboundMessage): Promise<void>;
  /** The URL the provider posts this message's status callbacks to, naming our id. */
  statusCallbackUrl(endpoint: Endpoint, messageId: string): string;
  now(): Date;
  sleep(milliseconds: number): Promise<void>;
  newClaimId(): string;
  /** Told of each outcome, for metrics and logs. */
  observe?(event: SendEvent): void;
  /** A signed link to an uploaded file, for a provider that fetches it (Twilio's MediaUrl, the Graph API's `link`). */
  mediaLink?(upload: StoredUpload): Promise<string>;
  /** An uploaded file's bytes, for a provider that takes them (email). */
  mediaBytes?(storedKey: string): Promise<Buffer>;
}

export type SendEvent =
  | { readonly kind: 'sent'; readonly message: OutboundMessage; readonly acceptedToSentMs: number }
  | { readonly kind: 'failed'; readonly message: OutboundMessage; readonly failure: SendFailure }
  | { readonly kind: 'retry' | 'unknown'; readonly message: OutboundMessage; readonly reason: SendFailure; readonly delaySeconds: number }
  | { readonly kind: 'paused'; readonly endpointId: string; readonly reason: string };

export const sendTimings = {
  /** A provider call is cut after this; what it came to is then unknown. */
  callTimeoutMs: 10_000,
  /** The longest a sender waits for a rate slot in-process; a later slot puts the record back on the queue. */
  maxSlotWaitMs: 5_000,
  /** How long a claim holds: longer than the sender's timeout, so only a vanished sender's claim runs out. */
  claimLeaseMs: 60_000,
  /** How long an unknown outcome waits for the provider's callback before the provider is asked. */
  callbackWaitMs: 60_000,
  /** A provider that cannot be asked: how long to wait for a callback before giving up on the message. */
  noLookupWaitMs: 10 * 60_000,
  /** Temporary failures back off from this, doubling per attempt, with full jitter. */
  backoffBaseMs: 2_000,
  backoffCapMs: 15 * 60_000,
  /** SQS delays a message 15 minutes at most; a longer wait is re-queued again on arrival. */
  maxQueueDelaySeconds: 900,
  /** A throttled sender is slowed this long when the provider names no Retry-After. */
  defaultThrottleMs: 1_000,
} as const;

/** A provider's own words are kept to this length: a gateway may answer with a page of them, and the message item must still fit. */
const maxProviderTextLength = 1_000;

const failure = (category: SendFailure['category'], code: string, message: string, hint: string): SendFailure => ({
  category,
  code: code.slice(0, 100),
  message: message.length > maxProviderTextLength ? `${message.slice(0, maxProviderTextLength)}…` : message,
  hint,
});

const noCredentials = (endpointId: string, why: string) =>
  failure('credentials', 'no_send_credentials', why, `Set the send credentials of endpoint ${endpointId} with switchboard endpoint credentials, then retry with switchboard outbox retry.`);

const addressOf = (message: OutboundMessage, endpoint: Endpoint): SendingAddress => ({ tenantId: message.tenantId, endpointId: endpoint.endpointId, from: message.from });

const delaySecondsUntil = (at: number, now: Date): number => Math.max(0, Math.ceil((at - now.getTime()) / 1000));

/** Full jitter over an exponential ceiling: a throttled or failing burst spreads out instead of coming back at once. */
export const backoffMs = (attempts: number, random: () => number = Math.random): number =>
  Math.round(random() * Math.min(sendTimings.backoffCapMs, sendTimings.backoffBaseMs * 2 ** Math.max(0, attempts - 1)));

const uploadsUnavailable = (): never => {
  throw new Error('the message names uploaded files, and this sender was given no way to read them');
};

/** The message's media as links: a caller's as given, an uploaded file's signed afresh for each attempt. */
const mediaLinks = (message: OutboundMessage, deps: SenderDependencies): Promise<OutboundMedia[]> =>
  Promise.all(
    message.media.flatMap((item) => {
      if (isStoredUpload(item)) return [(deps.mediaLink ?? uploadsUnavailable)(item).then((url) => ({ url, contentType: item.contentType }))];
      return item.url && item.contentType ? [Promise.resolve({ url: item.url, contentType: item.contentType })] : [];
    }),
  );

/** Email carries its files by value: the uploaded files' bytes, in the order of the media. */
const attachmentsOf = (message: OutboundMessage, deps: SenderDependencies): Promise<OutboundAttachment[]> =>
  Promise.all(
    message.media.filter(isStoredUpload).map(async (item) => ({ filename: item.filename, contentType: item.contentType, content: await (deps.mediaBytes ?? uploadsUnavailable)(item.storedKey) })),
  );

const requestOf = async (message: OutboundMessage, endpoint: Endpoint, deps: SenderDependencies): Promise<SendRequest> => {
  const media = message.media.length > 0 ? await mediaLinks(message, deps) : [];
  const attachments = message.channel === 'email' && media.length > 0 ? await attachmentsOf(message, deps) : [];
  return {
    messageId: message.id,
    channel: message.channel,
    from: message.from,
    to: message.to,
    content: {
      ...(message.template ? { template: message.template } : { text: message.text }),
      ...(media.length > 0 && { media }),
      ...(attachments.length > 0 && { attachments }),
    },
    statusCallbackUrl: deps.statusCallbackUrl(endpoint, message.id),
    ...(message.humanAgentTag && { humanAgentTag: true }),
    ...(message.channel === 'email' && { email: emailPartsOf(message) }),
  };
};

/** Puts the message off until `at`, on the queue and in its item, without counting an attempt when `uncounted`. */
const retryAt = async (message: OutboundMessage, guard: Guard, at: number, reason: SendFailure, uncounted: boolean, deps: SenderDependencies): Promise<void> => {
  const now = deps.now();
  const settled = await deps.settle(message, guard, { kind: 'retry', notBefore: new Date(at).toISOString(), attemptsDelta: uncounted && 'claimId' in guard ? -1 : 0, lastError: reason }, now);
  if (!settled) return;
  const delaySeconds = delaySecondsUntil(at, now);
  await deps.requeue(message, Math.min(delaySeconds, sendTimings.maxQueueDelaySeconds));
  deps.observe?.({ kind: 'retry', message, reason, delaySeconds });
};

const fail = async (message: OutboundMessage, guard: Guard, why: SendFailure, deps: SenderDependencies): Promise<void> => {
  if (await deps.settle(message, guard, { kind: 'failed', failure: why }, deps.now())) deps.observe?.({ kind: 'failed', message, failure: why });
};

const markSent = async (message: OutboundMessage, guard: Guard, providerMessageId: string, deps: SenderDependencies): Promise<void> => {
  const now = deps.now();
  if (await deps.settle(message, guard, { kind: 'sent', providerMessageId }, now)) {
    deps.observe?.({ kind: 'sent', message, acceptedToSentMs: now.getTime() - Date.parse(message.storedAt) });
  }
};

/** Settles one provider answer. */
const settleOutcome = async (message: OutboundMessage, guard: Guard, endpoint: Endpoint, outcome: SendOutcome, deps: SenderDependencies): Promise<void> => {
  const now = deps.now();
  switch (outcome.kind) {
    case 'accepted':
      return markSent(message, guard, outcome.providerMessageId, deps);
    case 'throttled': {
      // Not an attempt: the provider refused it for rate, and the sender's slot moves past its Retry-After.
      const until = now.getTime() + (outcome.retryAfterSeconds !== undefined ? outcome.retryAfterSeconds * 1000 : sendTimings.defaultThrottleMs);
      await deps.slowDown(addressOf(message, endpoint), until);
      return retryAt(message, guard, until, failure('throttled', outcome.code, outcome.message, 'The provider limited this sender; Switchboard sends it again after the wait it asked for.'), true, deps);
    }
    case 'temporary': {
      const wait = Math.max(backoffMs(message.attempts), (outcome.retryAfterSeconds ?? 0) * 1000);
      const reason = failure('temporary', outcome.code, outcome.message, 'The provider could not take the message for now; Switchboard keeps trying until the message expires.');
      if (now.getTime() + wait > Date.parse(message.validUntil)) {
        return fail(message, guard, { ...reason, hint: 'The provider kept failing until the message expired; retry it with switchboard outbox retry once the provider is back.' }, deps);
      }
      return retryAt(message, guard, now.getTime() + wait, reason, false, deps);
    }
    case 'unknown': {
      const reason = failure('temporary', outcome.code, outcome.message, "The provider may have taken the message; Switchboard waits for its status callback, then asks it, before sending again.");
      if (!(await deps.settle(message, guard, { kind: 'unknown', lastError: reason }, now))) return;
      const delaySeconds = sendTimings.callbackWaitMs / 1000;
      await deps.requeue(message, delaySeconds);
      deps.observe?.({ kind: 'unknown', message, reason, delaySeconds });
      return;
    }
    case 'failed': {
      const why = failure(outcome.category, outcome.code, outcome.message, outcome.hint);
      await fail(message, guard, why, deps);
      if (outcome.category === 'opted-out') await deps.optOut(message);
      if (outcome.category === 'credentials') {
        await deps.pauseEndpoint(endpoint.endpointId, `${outcome.code}: ${outcome.message}`, now);
        deps.observe?.({ kind: 'paused', endpointId: endpoint.endpointId, reason: outcome.code });
      }
      return;
    }
  }
};

interface Prepared {
  readonly endpoint: Endpoint;
  readonly sender: ProviderSender;
  readonly credentials: SendCredentials;
  readonly request: SendRequest;
}

/** What sending the message needs, or the failure that ends it. */
const prepare = async (message: OutboundMessage, deps: SenderDependencies): Promise<Prepared | SendFailure> => {
  const endpointId = message.source.endpointId;
  const endpoint = await deps.endpoint(endpointId);
  if (!endpoint || !maySendThrough(endpoint, message.tenantId, message.from) || !endpoint.sending) return noCredentials(endpointId, `endpoint ${endpointId} has no send credentials`);
  if (endpoint.sending.pausedAt) return noCredentials(endpointId, `sending through endpoint ${endpointId} is paused: ${endpoint.sending.pausedReason ?? 'its credentials were refused'}`);
  const sender = await deps.sender(endpoint.provider);
  if (!sender) return failure('permanent', 'not_sendable', `Switchboard cannot send through ${endpoint.provider}`, 'Reply through a Twilio or Meta endpoint.');
  let credentials: SendCredentials;
  try {
    credentials = await deps.openCredentials(endpoint);
  } catch {
    return noCredentials(endpointId, `the send credentials of endpoint ${endpointId} cannot be read with this stack's send key`);
  }
  return { endpoint, sender, credentials, request: await requestOf(message, endpoint, deps) };
};

/** One claimed attempt: the rate slot, the call, and what its answer means. */
const attempt = async (message: OutboundMessage, claimId: string, deps: SenderDependencies): Promise<void> => {
  const guard: Guard = { claimId };
  if (deps.now().getTime() > Date.parse(message.validUntil)) {
    return fail(message, guard, failure('temporary', 'expired', 'the message was not sent before it expired', 'Send it again if it still matters.'), deps);
  }
  const prepared = await prepare(message, deps);
  if (!('request' in prepared)) return fail(message, guard, prepared, deps);
  const { endpoint, sender, credentials, request } = prepared;

  const perSecond = endpoint.sending?.ratePerSecond ?? sender.defaultRate(message.channel, message.from).perSecond;
  const slot = await deps.reserve(addressOf(message, endpoint), perSecond, sender.costOf(request), deps.now(), sendTimings.maxSlotWaitMs);
  if ('retryAt' in slot) {
    return retryAt(message, guard, slot.retryAt, failure('throttled', 'rate', 'waiting for a slot of its sender', `Sent at the sender's rate of ${perSecond}/s.`), true, deps);
  }
  const wait = slot.at - deps.now().getTime();
  if (wait > 0) await deps.sleep(wait);

  const outcome = await sender.send(request, credentials, AbortSignal.timeout(sendTimings.callTimeoutMs));
  await settleOutcome(message, guard, endpoint, outcome, deps);
};

/** A message whose send may or may not have reached the provider: settled by its callback, the provider's answer, or time. */
const resolveUnknown = async (message: OutboundMessage & { readonly unknownSince: string }, deps: SenderDependencies): Promise<void> => {
  const guard: Guard = { unknownSince: message.unknownSince };
  // A callback naming our id moved it on: the provider took it.
  if (message.status === 'failed' || message.statusRank >= statusRank.sent) {
    await deps.settle(message, guard, { kind: 'done' }, deps.now());
    return;
  }
  const waited = deps.now().getTime() - Date.parse(message.unknownSince);
  if (waited < sendTimings.callbackWaitMs) return deps.requeue(message, delaySecondsUntil(Date.parse(message.unknownSince) + sendTimings.callbackWaitMs, deps.now()));

  const prepared = await prepare(message, deps);
  if (!('request' in prepared)) return fail(message, guard, prepared, deps);
  const lookup: LookupResult = prepared.sender.lookup
    ? await prepared.sender.lookup(prepared.request, prepared.credentials, new Date(Date.parse(message.unknownSince) - sendTimings.callTimeoutMs), AbortSignal.timeout(sendTimings.callTimeoutMs))
    : { found: 'unknown' };
  if (lookup.found === true) return markSent(message, guard, lookup.providerMessageId, deps);
  if (lookup.found === false) {
    // The provider says it never took it: sending again cannot double it.
    return retryAt(message, guard, deps.now().getTime(), failure('temporary', 'not_taken', 'the provider has no such message', 'Sent again.'), false, deps);
  }
  if (waited < sendTimings.noLookupWaitMs && deps.now().getTime() < Date.parse(message.validUntil)) return deps.requeue(message, sendTimings.callbackWaitMs / 1000);
  return fail(
    message,
    guard,
    failure('temporary', 'unknown_outcome', 'the provider neither confirmed nor refused the message', 'Check with the recipient whether it arrived; if not, retry it with switchboard outbox retry.'),
    deps,
  );
};

/** Handles one queue record naming a message: sends it, or does what its state asks, or nothing. */
export const sendQueued = async (tenantId: string, messageId: string, deps: SenderDependencies): Promise<void> => {
  const claimId = deps.newClaimId();
  const result = await deps.claim(tenantId, messageId, claimId, deps.now());
  if ('claimed' in result) return attempt(result.claimed, claimId, deps);

  const message = result.current as (OutboundMessage & { claimId?: string; claimedAt?: string; unknownSince?: string }) | undefined;
  if (!message) return;
  const now = deps.now().getTime();
  switch (message.sendState) {
    case 'ready':
      // Early (a duplicate record, or a wait longer than a queue delay): back on the queue until it is due.
      if (Date.parse(message.notBefore) > now) await deps.requeue(message, Math.min(delaySecondsUntil(Date.parse(message.notBefore), deps.now()), sendTimings.maxQueueDelaySeconds));
      return;
    case 'claimed':
      // Its sender vanished after claiming it (a crash, a timeout): whether it called the provider is unknown.
      if (message.claimId !== undefined && message.claimedAt !== undefined && now - Date.parse(message.claimedAt) > sendTimings.claimLeaseMs) {
        if (await deps.abandonClaim({ ...message, claimId: message.claimId }, deps.now())) {
          await deps.requeue(message, sendTimings.callbackWaitMs / 1000);
        }
      }
      return;
    case 'unknown':
      if (message.unknownSince !== undefined) return resolveUnknown({ ...message, unknownSince: message.unknownSince }, deps);
      return;
    case 'done':
      return;
  }
};
