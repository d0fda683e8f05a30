import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * SQS fair queues, locally. On AWS a standard queue whose messages carry a MessageGroupId is a
 * fair queue: when one group (here a tenant, see functions/adapters/ingest-queue.ts) holds a
 * disproportionate share of the in-flight messages, SQS returns other groups' messages first,
 * so a noisy tenant's backlog delays only that tenant. fauxqs has no fair queues: it drops a
 * standard queue's MessageGroupId and hands messages out strictly in arrival order, so locally
 * one tenant's burst would hold up every other tenant until it drained. The local poller of
 * such a queue therefore takes its messages from a fair intake (startFairIntake), which uses
 * only the SQS API.
 */

/**
 * The ready messages in the order a fair queue hands them out: first the next `count`, each
 * from the group with the fewest messages in flight (counting those picked before it), ties
 * going to the group whose next message has waited longest, so that equal groups take turns;
 * then the rest in arrival order. Each group's messages keep their arrival order. A message
 * without a group is a group of its own, as SQS treats it.
 *
 * SQS deprioritizes a group only once it is clearly noisy (over 10% of the queue's in-flight
 * messages and at least 30 of them). The local poller never has more than 20 in flight, so
 * that threshold would never be reached here: locally any imbalance counts. A standard queue
 * promises no order, so the difference is one of degree, not of contract.
 */
export const fairOrder = <Message>(
  ready: readonly Message[],
  groupOf: (message: Message) => string | undefined,
  inFlight: ReadonlyMap<string, number>,
  count: number,
): Message[] => {
  // Keyed by group id, or by the message's index when it has none (a number never equals a group id).
  const groups = new Map<string | number, { readonly indexes: number[]; taken: number; load: number }>();
  ready.forEach((message, index) => {
    const group = groupOf(message);
    const key = group ?? index;
    const entry = groups.get(key) ?? { indexes: [], taken: 0, load: group === undefined ? 0 : (inFlight.get(group) ?? 0) };
    entry.indexes.push(index);
    groups.set(key, entry);
  });
  const picked: number[] = [];
  while (picked.length < Math.min(count, ready.length)) {
    let next: { readonly indexes: number[]; taken: number; load: number } | undefined;
    for (const entry of groups.values()) {
      if (entry.taken === entry.indexes.length) continue;
      if (!next || entry.load < next.load || (entry.load === next.load && entry.indexes[entry.taken]! < next.indexes[next.taken]!)) next = entry;
    }
    picked.push(next!.indexes[next!.taken]!);
    next!.taken += 1;
    next!.load += 1;
  }
  const isPicked = new Set(picked);
  return [...picked.map((index) => ready[index]!), ...ready.filter((_, index) => !isPicked.has(index))];
};

/**
 * How long a held message stays invisible at most, renewed at half of it. Never longer than
 * the queue's visibility timeout: should the process die holding it, it is back on the queue
 * as soon as a message Lambda had received would be.
 */
const maxHoldSeconds = 60;
/** Beyond this many held messages the intake stops receiving until the function catches up. */
const maxHeld = 10_000;

interface Held {
  message: Message;
  readonly group: string | undefined;
  heldSince: number;
}

export interface FairIntakeOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** The group a message was sent with (its MessageGroupId), from its body: fauxqs keeps none on a standard queue. */
  groupOf(body: string): string | undefined;
  onError?(error: unknown): void;
}

/**
 * Receives every ready message of the queue as it arrives and holds it, invisible, until the
 * poller takes a batch: the batch it gets is the one a fair queue would hand out (fairOrder),
 * counting as in flight the messages taken and not yet released. A message taken is set to the
 * queue's own visibility timeout, so from then on it is in flight as a message received by
 * Lambda is: deleted when processed, received again (its receive counted) when it failed.
 * Messages still held when the intake stops (within a second, its last receive's wait) are
 * made visible again.
 */
export const startFairIntake = ({ client, queueUrl, groupOf, onError }: FairIntakeOptions) => {
  const held: Held[] = [];
  // By message id: a message received again is found without a pass over thousands held.
  const heldById = new Map<string, Held>();
  const inFlight = new Map<string, number>();
  let running = true;
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
  let wake: () => void = () => undefined;
  let arrival = new Promise<void>((resolve) => (wake = resolve));
  const arrived = () => {
    wake();
    arrival = new Promise<void>((resolve) => (wake = resolve));
  };
  const visibilityTimeout = client
    .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }))
    .then(({ Attributes }) => Number(Attributes?.VisibilityTimeout));
  // Settled here too: a queue that is gone fails each take, not the process.
  visibilityTimeout.catch(() => undefined);
  const holdSeconds = async () => Math.min(maxHoldSeconds, await visibilityTimeout);

  const setVisibility = async (entries: readonly Held[], seconds: number) => {
    for (let start = 0; start < entries.length; start += 10) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.slice(start, start + 10).map(({ message }, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds })),
        }),
      );
    }
  };

  const receive = async () => {
    while (running) {
      try {
        if (held.length >= maxHeld) {
          await sleep(100);
          continue;
        }
        // Not aborted on stop: fauxqs would finish an abandoned long poll all the same, taking messages nobody holds.
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: await holdSeconds(), MessageSystemAttributeNames: ['All'] }),
        );
        for (const message of Messages) {
          const group = groupOf(message.Body ?? '');
          // Returned with the group, as SQS returns a fair queue's MessageGroupId.
          if (group !== undefined) message.Attributes = { ...message.Attributes, MessageGroupId: group };
          // A message held past its hold (a stalled process) comes round again: keep its newer receipt only.
          const again = heldById.get(message.MessageId ?? '');
          if (again) Object.assign(again, { message, heldSince: Date.now() });
          else {
            const entry = { message, group, heldSince: Date.now() };
            held.push(entry);
            heldById.set(message.MessageId ?? '', entry);
          }
        }
        if (Messages.length > 0) arrived();
      } catch (error) {
        if (!running) return;
        onError?.(error);
        await sleep(500);
      }
    }
  };

  const renew = async () => {
    const hold = await holdSeconds().catch(() => maxHoldSeconds);
    while (running) {
      await sleep((hold / 2) * 1000, undefined, { signal: stopping.signal }).catch(() => undefined);
      const due = held.filter((entry) => Date.now() - entry.heldSince >= (hold / 2) * 1000);
      try {
        await setVisibility(due, hold);
        for (const entry of due) entry.heldSince = Date.now();
      } catch (error) {
        if (running) onError?.(error);
      }
    }
  };

  /** The batch's messages are no longer in flight: processed, or left to the queue to deliver again. */
  const release = (batch: readonly Message[]): void => {
    for (const message of batch) {
      const group = message.Attributes?.MessageGroupId;
      if (group === undefined) continue;
      const count = (inFlight.get(group) ?? 0) - 1;
      if (count > 0) inFlight.set(group, count);
      else inFlight.delete(group);
    }
  };

  const loops = [receive(), renew()];

  return {
    /**
     * The next batch of at most `count` messages, in a fair queue's order, once one is held;
     * within `windowSeconds` it waits for a full batch, as a batching window does. Empty once
     * the intake stops.
     */
    async take(count: number, windowSeconds: number): Promise<Message[]> {
      while (running && held.length === 0) await Promise.race([arrival, stopped]);
      const windowEnds = Date.now() + windowSeconds * 1000;
      while (running && held.length < count && Date.now() < windowEnds) await Promise.race([arrival, stopped, sleep(windowEnds - Date.now())]);
      if (!running) return [];
      const picked = fairOrder(held, (entry) => entry.group, inFlight, count).slice(0, Math.min(count, held.length));
      const taken = new Set(picked);
      held.splice(0, held.length, ...held.filter((entry) => !taken.has(entry)));
      for (const { message } of picked) heldById.delete(message.MessageId ?? '');
      for (const { group } of picked) if (group !== undefined) inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
      const batch = picked.map(({ message }) => message);
      try {
        await setVisibility(picked, await visibilityTimeout);
      } catch (error) {
        // Back on the queue once their hold runs out, and received again.
        release(batch);
        throw error;
      }
      return batch;
    },
    release,
    async stop(): Promise<void> {
      running = false;
      stopping.abort();
      await Promise.allSettled(loops);
      heldById.clear();
      await setVisibility(held.splice(0), 0).catch((error: unknown) => onError?.(error));
    },
  };
};
