import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/synth.ts';

/**
 * The processor queues a request too large for one invocation again, in parts, on the
 * ingest queue (functions/core/request-parts.ts): it may send there, and nowhere else.
 */
describe('processor permissions for a split request', () => {
  it('lets the processor send to the ingest queue and to no other queue', () => {
    // Prepare
    const { logicalId, statementsOf, stack } = synthesize();

    // Act
    const sends = statementsOf(stack.processing.processorFunction.role!).filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'));

    // Assess
    expect(sends.map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [logicalId(stack.ingest.queue), 'Arn'] }]);
  });
});
