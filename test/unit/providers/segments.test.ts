import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../../functions/providers/twilio/segments.ts';

// Limits: https://www.twilio.com/docs/glossary/what-sms-character-limit (160/153 GSM-7, 70/67 UCS-2).
const gsmBasicCharacters = [...'@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'];

describe('smsSegments', () => {
  it.each([
    ['an empty text', '', 'GSM-7', 1],
    ['160 GSM-7 characters', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'GSM-7', 2],
    ['306 GSM-7 characters (two full parts)', 'a'.repeat(306), 'GSM-7', 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 'GSM-7', 3],
    ['80 euro signs (extension table, 2 septets each: 160)', '€'.repeat(80), 'GSM-7', 1],
    ['81 euro signs (162 septets)', '€'.repeat(81), 'GSM-7', 2],
    ['an extension character that would straddle two parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, 'GSM-7', 3],
    ['70 UCS-2 characters', 'Привет'.repeat(11) + 'Прив', 'UCS-2', 1],
    ['71 UCS-2 characters', 'Привет'.repeat(11) + 'Приве', 'UCS-2', 2],
    ['35 emoji (two UTF-16 units each: 70)', '😀'.repeat(35), 'UCS-2', 1],
    ['36 emoji (72 units)', '😀'.repeat(36), 'UCS-2', 2],
    ['a surrogate pair that would straddle two parts', `${'a'.repeat(66)}😀${'a'.repeat(66)}`, 'UCS-2', 3],
    ['a GSM-7 text made UCS-2 by one character', `${'a'.repeat(100)}ç`, 'UCS-2', 2],
  ])('counts %s', (_, text, encoding, segments) => {
    expect(smsSegments(text)).toEqual({ encoding, segments });
  });

  it('counts a text of the basic GSM-7 alphabet as one segment up to 160 characters, then 153 a part', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...gsmBasicCharacters), { maxLength: 1000 }), (characters) => {
        const { encoding, segments } = smsSegments(characters.join(''));
        expect(encoding).toBe('GSM-7');
        expect(segments).toBe(characters.length <= 160 ? 1 : Math.ceil(characters.length / 153));
      }),
    );
  });

  it('never counts fewer segments for a longer text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), (text, more) => {
        expect(smsSegments(text + more).segments).toBeGreaterThanOrEqual(smsSegments(text).segments);
      }),
    );
  });
});
