import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { entityKinds, quarantineIndexPartition, quarantineKey, type QuarantineRecord } from '../../functions/core/items.ts';
import { messagesTable } from '../definitions/tables.ts';
import { oneLine, requeue } from './dlq.ts';
import { formatTable } from './table.ts';
import type { QueueTarget } from './target.ts';
import { UsageError } from './usage-error.ts';

const indexName = messagesTable.globalSecondaryIndexes[0].indexName;

/** A quarantined request as an operator sees it. The body is counted, never shown: it can hold a customer's message. */
export interface QuarantineEntry {
  readonly id: string;
  readonly quarantinedAt: string;
  readonly tenantId?: string;
  readonly requestId?: string;
  readonly reason: string;
  readonly bytes: number;
}

export const describeQuarantined = (record: QuarantineRecord): QuarantineEntry => ({
  id: record.id,
  quarantinedAt: record.quarantinedAt,
  ...(record.tenantId && { tenantId: record.tenantId }),
  ...(record.requestId && { requestId: record.requestId }),
  reason: record.reason,
  bytes: record.rawBytes,
});

/** Quarantined requests, newest first, of one tenant or all. */
export const listQuarantined = async (target: QueueTarget, { tenant }: { tenant?: string } = {}): Promise<QuarantineEntry[]> => {
  const entries: QuarantineEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await target.messages.send(
      new QueryCommand({
        TableName: target.messagesTable,
        IndexName: indexName,
        KeyConditionExpression: 'gsi1pk = :partition',
        ...(tenant && { FilterExpression: 'tenantId = :tenant' }),
        ExpressionAttributeValues: { ':partition': quarantineIndexPartition, ...(tenant && { ':tenant': tenant }) },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      }),
    );
    entries.push(...(page.Items ?? []).map((item) => describeQuarantined(item as QuarantineRecord)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
};

export const formatQuarantined = (entries: readonly QuarantineEntry[]): string[] =>
  entries.length === 0
    ? ['Nothing is quarantined.']
    : formatTable(
        ['QUARANTINED AT', 'ID', 'TENANT', 'REQUEST', 'REASON'],
        entries.map((entry) => [entry.quarantinedAt, entry.id, entry.tenantId ?? '-', entry.requestId ?? '-', oneLine(entry.reason)]),
      );

export interface ReplayResult {
  readonly replayed: string;
  readonly tenantId?: string;
  readonly requestId?: string;
  /** The replay's id on the ingest queue: should it fail again, it is quarantined under this id. */
  readonly sqsMessageId: string;
}

/**
 * Runs a quarantined request through the processor again, after a fix: its queued body goes
 * back on the ingest queue exactly as it was queued, and it leaves quarantine only once the
 * queue has it.
 */
export const replayQuarantined = async (target: QueueTarget, id: string | undefined): Promise<ReplayResult> => {
  if (!id) throw new UsageError('usage: switchboard quarantine replay <id>');
  const { Item } = await target.messages.send(new GetCommand({ TableName: target.messagesTable, Key: quarantineKey(id), ConsistentRead: true }));
  if (Item?.entity !== entityKinds.quarantine) throw new UsageError(`no quarantined request ${id}: see switchboard quarantine list`);
  const record = Item as QuarantineRecord;
  const sqsMessageId = await requeue(target.sqs, target.ingestQueueUrl, await queuedBodyOf(target, record), record.tenantId);
  await target.messages.send(new DeleteCommand({ TableName: target.messagesTable, Key: quarantineKey(id) }));
  return {
    replayed: id,
    ...(record.tenantId && { tenantId: record.tenantId }),
    ...(record.requestId && { requestId: record.requestId }),
    sqsMessageId,
  };
};

/** The body as it was queued: in the record, or, for a large one, in the archive. */
const queuedBodyOf = async (target: QueueTarget, record: QuarantineRecord): Promise<string> => {
  if (record.rawTruncated) throw new UsageError(`${record.id} cannot be replayed: it was never a Switchboard envelope, and only its first ${Buffer.byteLength(record.raw ?? '')} of ${record.rawBytes} bytes were kept`);
  if (record.archiveKey) return (await target.bodies.get(record.archiveKey)).toString('utf8');
  if (record.raw === undefined) throw new UsageError(`${record.id} keeps no body to replay`);
  return record.raw;
};

export const describeReplay = (result: ReplayResult): string[] => [
  `Replayed ${result.replayed} (tenant ${result.tenantId ?? '-'}, request ${result.requestId ?? '-'}) on the ingest queue ` +
    `as SQS message ${result.sqsMessageId}, and took it out of quarantine.`,
  `Should it fail again, it is quarantined again under ${result.sqsMessageId}.`,
];
