/**
 * What the CLI prints comes largely from outside (senders' addresses, provider payloads, error
 * messages), and a terminal obeys control characters wherever they come from: ESC and C1 start
 * sequences that set the window title, clear the screen or rewrite what was printed; a newline
 * or carriage return fakes a line; a bidi override reorders what one shows. Stripping only
 * well-formed sequences (node's `util.stripVTControlCharacters`) leaves lone C0/C1 controls and
 * unterminated sequences, so every control character is escaped instead: the operator sees
 * that something was there, and the terminal receives none of it.
 */

/** C0, DEL and C1 (`\p{Cc}`), the bidi controls, and the Unicode line and paragraph separators. */
const controls = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;

const shortEscapes: Readonly<Record<string, string>> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/**
 * A line with each control character written as its JSON escape (`\n`, `\u001b`, `\u202e`…).
 * JSON's own escapes keep a line of JSON valid JSON of the same value, and bash's `$'…'`
 * quoting reads them alike.
 */
export const terminalSafe = (line: string): string =>
  line.replace(controls, (character) => shortEscapes[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Whether a text holds anything `terminalSafe` would escape. */
export const hasControls = (text: string): boolean => new RegExp(controls.source, 'u').test(text);

/**
 * Lines as the terminal may receive them: each made safe whole, so a newline inside a field is
 * shown, never obeyed. The only newlines printed are those between the lines.
 */
export const terminalLines = (lines: readonly string[]): string => lines.map(terminalSafe).join('\n');
