import { describe, expect, it } from 'vitest';
import { decodeForm } from '../../../../functions/providers/twilio/form.ts';

describe('decodeForm', () => {
  it.each([
    ['a real inbound SMS body', 'ToCountry=US&ToCity=&Body=Hi%21+Is+my+order+%231042+on+its+way%3F+%F0%9F%93%A6&To=%2B15005550006'],
    ['a plus sign, escaped and not', 'From=%2B14155550100&Body=1+%2B+1'],
    ['an equals sign inside a value', 'Body=a%3Db=c&x=='],
    ['a name without a value or an equals sign', 'ToZip&Body=hi'],
    ['empty pairs', '&&Body=hi&&'],
    ['repeated names, in order', 'Digits=5678&Digits=1234&Digits=1234'],
    ['an escaped name', 'Media%55rl0=x'],
    ['the empty string', ''],
  ])('decodes %s as URLSearchParams does', (_, body) => {
    // Act
    const fields = decodeForm(body);

    // Assess
    expect(fields).toEqual([...new URLSearchParams(body)]);
  });

  it.each([
    ['a lone percent sign', 'Body=100%'],
    ['a truncated escape', 'Body=%E'],
    ['a non-hex escape', 'Body=%ZZ'],
    ['an escape of invalid UTF-8', 'Body=%C3'],
    ['an escaped UTF-16 surrogate', 'Body=%ED%A0%80'],
    ['a malformed name', 'B%dy=hi'],
  ])('gives undefined, without throwing, for %s', (_, body) => {
    expect(decodeForm(body)).toBeUndefined();
  });

  it('decodes a long run of fields without values in one pass', () => {
    // A field without an equals sign must not send the decoder looking for one in the rest of the body.
    const body = `${'a&'.repeat(200_000)}Body=hi`;

    const fields = decodeForm(body);

    expect(fields).toHaveLength(200_001);
    expect(fields?.at(-1)).toEqual(['Body', 'hi']);
  });
});
