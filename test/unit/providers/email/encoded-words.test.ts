import { describe, expect, it } from 'vitest';
import { decodeEncodedWords } from '../../../../functions/providers/email/encoded-words.ts';

describe('decodeEncodedWords', () => {
  // The examples of https://www.rfc-editor.org/rfc/rfc2047#section-8
  it.each([
    ['=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>', 'Keith Moore <moore@cs.utk.edu>'],
    ['=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>', 'André Pirard <PIRARD@vm1.ulg.ac.be>'],
    ['(=?ISO-8859-1?Q?a?=)', '(a)'],
    ['(=?ISO-8859-1?Q?a?= b)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a_b?=)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)', '(a b)'],
  ])('decodes %j as %j', (encoded, decoded) => {
    expect(decodeEncodedWords(encoded)).toBe(decoded);
  });

  it('decodes a multi-byte character split across two base64 words', () => {
    // "é" is C3 A9: the first word ends with C3, the second starts with A9.
    const encoded = `=?UTF-8?B?${Buffer.from([0x63, 0x61, 0x66, 0xc3]).toString('base64')}?= =?UTF-8?B?${Buffer.from([0xa9]).toString('base64')}?=`;

    expect(decodeEncodedWords(encoded)).toBe('café');
  });

  it('leaves text without encoded words as it is', () => {
    expect(decodeEncodedWords('Plain subject =? not a word')).toBe('Plain subject =? not a word');
  });

  it('decodes a charset it does not know as UTF-8 rather than failing', () => {
    expect(decodeEncodedWords('=?x-unknown?Q?caf=C3=A9?=')).toBe('café');
  });
});
