import { describe, expect, it } from 'vitest';
import { broadcastFilterPattern } from '../../../lib/definitions/pipeline.ts';
import { matchesFilter } from '../../../lib/local/event-filter.ts';

/** A DynamoDB stream record as Lambda receives it, reduced to what the filter reads. */
const streamRecord = (newImage?: Record<string, unknown>) => ({
  eventName: newImage ? 'INSERT' : 'REMOVE',
  dynamodb: { Keys: { pk: { S: 'MSG#msg_1' }, sk: { S: 'MSG' } }, ...(newImage && { NewImage: newImage }) },
});

describe('matchesFilter with the broadcast filter', () => {
  it.each([
    ['message', true],
    ['conversation', true],
    ['quarantine', false],
  ])('an item whose entity is %s matches: %s', (entity, expected) => {
    // Prepare
    const record = streamRecord({ pk: { S: 'X#1' }, entity: { S: entity }, tenantId: { S: 'acme' } });

    // Act
    const matches = matchesFilter(record, broadcastFilterPattern);

    // Assess
    expect(matches).toBe(expected);
  });

  it('does not match an item without entity', () => {
    expect(matchesFilter(streamRecord({ pk: { S: 'X#1' }, tenantId: { S: 'acme' } }), broadcastFilterPattern)).toBe(false);
  });

  it('does not match a record without a new image', () => {
    expect(matchesFilter(streamRecord(), broadcastFilterPattern)).toBe(false);
  });

  it('does not match an entity of another type than a string', () => {
    expect(matchesFilter(streamRecord({ entity: { L: [{ S: 'message' }] } }), broadcastFilterPattern)).toBe(false);
  });
});
