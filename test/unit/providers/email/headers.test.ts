import { describe, expect, it } from 'vitest';
import { headerValue, parseHeaderBlock } from '../../../../functions/providers/email/headers.ts';

describe('parseHeaderBlock', () => {
  it('unfolds continuation lines, lower-cases names and keeps repeats in order', () => {
    // Prepare
    const block = 'Received: from a\r\n\tby b\r\nSubject: Hello\r\n  world\r\nReceived: from c\r\nnot a header\r\n';

    // Act
    const headers = parseHeaderBlock(block);

    // Assess
    expect(headers).toEqual([
      ['received', 'from a by b'],
      ['subject', 'Hello world'],
      ['received', 'from c'],
    ]);
    expect(headerValue(headers, 'received')).toBe('from a by b');
    expect(headerValue(headers, 'date')).toBeUndefined();
  });
});
