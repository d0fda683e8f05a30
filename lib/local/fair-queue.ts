import type { FauxqsServer } from 'fauxqs';
// fauxqs exports only its server; its queue class is reached by path, typed by its published .d.ts.
import { SqsQueue } from '../../node_modules/fauxqs/dist/sqs/sqsStore.js';

/**
 * SQS fair queues, locally. On AWS a standard queue whose messages carry a MessageGroupId is a
 * fair queue: when one group (here a tenant, see functions/adapters/ingest-queue.ts) holds a
 * disproportionate share of the in-flight messages, SQS returns other groups' messages first,
 * so a noisy tenant's backlog delays only that tenant. fauxqs has no fair queues: it drops a
 * standard queue's MessageGroupId and hands messages out strictly in arrival order, so locally
 * one tenant's burst would hold up every other tenant until it drained. This file makes one
 * fauxqs queue hand messages out as a fair queue does.
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
 * The fauxqs queue object behind a queue URL. fauxqs does not hand out its store, but its
 * `inspectQueue` asks the queue itself for its messages: that call names the object.
 */
const queueObject = (server: Pick<FauxqsServer, 'inspectQueue'>, queueUrl: string): SqsQueue => {
  const name = new URL(queueUrl).pathname.split('/').at(-1) ?? '';
  const inspect = SqsQueue.prototype.inspectMessages;
  let found: unknown;
  SqsQueue.prototype.inspectMessages = function (this: SqsQueue) {
    found = this;
    return inspect.call(this);
  };
  try {
    server.inspectQueue(name);
  } finally {
    SqsQueue.prototype.inspectMessages = inspect;
  }
  const queue = found as Partial<SqsQueue> | undefined;
  // What the wrapping below relies on; fauxqs's dequeue takes from the front of `messages`.
  if (
    !queue ||
    queue.isFifo?.() !== false ||
    !Array.isArray(queue.messages) ||
    !(queue.inflightMessages instanceof Map) ||
    typeof queue.enqueue !== 'function' ||
    typeof queue.dequeue !== 'function' ||
    typeof queue.processTimers !== 'function'
  ) {
    throw new Error(`fauxqs's queue "${name}" is missing or not the standard queue lib/local/fair-queue.ts was written for: the local ingest queue cannot be fair`);
  }
  return queue as SqsQueue;
};

/**
 * Makes the fauxqs standard queue at `queueUrl` dequeue as an SQS fair queue does (see
 * fairOrder). fauxqs keeps no MessageGroupId on a standard queue, so each message gets its
 * group from its body as it is queued, through `groupOf`, which must give what the sender put
 * in MessageGroupId; fauxqs then also returns it on receive. Only this queue object is
 * wrapped: a queue deleted and created again under the same name is an ordinary fauxqs queue.
 */
export const makeFairQueue = (server: Pick<FauxqsServer, 'inspectQueue'>, queueUrl: string, groupOf: (body: string) => string | undefined): void => {
  const queue = queueObject(server, queueUrl);
  const enqueue = queue.enqueue.bind(queue);
  const dequeue = queue.dequeue.bind(queue);
  queue.enqueue = (message) => {
    const group = message.messageGroupId ?? groupOf(message.body);
    enqueue(group === undefined ? message : { ...message, messageGroupId: group });
  };
  queue.dequeue = (maxCount, visibilityTimeoutOverride, dlqResolver) => {
    // Messages whose visibility timeout ran out are ready again: fauxqs's dequeue would move them first too.
    queue.processTimers();
    const inFlight = new Map<string, number>();
    for (const { message } of queue.inflightMessages.values()) {
      if (message.messageGroupId !== undefined) inFlight.set(message.messageGroupId, (inFlight.get(message.messageGroupId) ?? 0) + 1);
    }
    queue.messages = fairOrder(queue.messages, (message) => message.messageGroupId, inFlight, maxCount);
    return dequeue(maxCount, visibilityTimeoutOverride, dlqResolver);
  };
};
