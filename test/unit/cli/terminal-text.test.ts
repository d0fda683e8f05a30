import { describe, expect, it } from 'vitest';
import { hasControls, terminalLines, terminalSafe } from '../../../lib/cli/terminal-text.ts';

/** Any byte a terminal would act on: C0 but none, DEL, C1, and the bidi controls. */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

describe('terminalSafe', () => {
  it.each([
    ['an OSC ended by BEL (window title)', '\u001b]0;pwned\u0007', '\\u001b]0;pwned\\u0007'],
    ['an OSC ended by ST', '\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', '\\u001b]8;;https://evil.example\\u001b\\link\\u001b]8;;\\u001b\\'],
    ['a CSI (clear the screen, home)', '\u001b[2J\u001b[H', '\\u001b[2J\\u001b[H'],
    ['a lone ESC', 'a\u001bb', 'a\\u001bb'],
    ['the 8-bit CSI and OSC', '\u009b2J\u009d0;t\u009c', '\\u009b2J\\u009d0;t\\u009c'],
    ['every C1 from 0x80 to 0x9f', '\u0080\u0085\u009f', '\\u0080\\u0085\\u009f'],
    ['DEL and NUL', '\u007f\u0000', '\\u007f\\u0000'],
    ['a right-to-left override and isolate', 'invoice\u202egpj.exe\u2067x\u2069', 'invoice\\u202egpj.exe\\u2067x\\u2069'],
    ['a newline and a carriage return inside a field', '+1415\n2026-11-22T12:00:00.000Z  fake line\rover', '+1415\\n2026-11-22T12:00:00.000Z  fake line\\rover'],
    ['tabs, backspaces and form feeds', 'a\tb\bc\fd', 'a\\tb\\bc\\fd'],
    ['the Unicode line separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ])('escapes %s visibly', (_case, text, shown) => {
    const safe = terminalSafe(text);

    expect(safe).toBe(shown);
    expect(safe).not.toMatch(controlCharacter);
  });

  it('leaves text without controls as it is, emoji, accents and right-to-left script included', () => {
    const text = 'Olá 👋 — مرحبا "quoted" \\ back\\slash';

    expect(terminalSafe(text)).toBe(text);
    expect(hasControls(text)).toBe(false);
  });

  it('keeps a line of JSON valid JSON of the same value', () => {
    const value = { from: '\u009b2J\u007f\u202e', to: 'x\u2028y', text: 'fine' };
    // JSON.stringify escapes C0 itself, but leaves DEL, C1 and bidi controls raw.
    const raw = JSON.stringify(value);

    const safe = terminalSafe(raw);

    expect(raw).toMatch(controlCharacter);
    expect(safe).not.toMatch(controlCharacter);
    expect(JSON.parse(safe)).toEqual(value);
  });
});

describe('hasControls', () => {
  it.each(['\r\n', '\u001b', '\u0085', '\u202e'])('finds %j', (text) => {
    expect(hasControls(`a${text}b`)).toBe(true);
  });
});

describe('terminalLines', () => {
  it('joins lines with the only newlines it prints, each line made safe whole', () => {
    expect(terminalLines(['first \u001b[31mred', 'second\nthird'])).toBe('first \\u001b[31mred\nsecond\\nthird');
  });
});
