import { decodeText } from './charset.ts';

const encodedWord = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/** Q encoding: `_` is a space and `=XX` a byte; the rest is ASCII. */
const qDecoded = (text: string): Buffer =>
  Buffer.from(
    text.replaceAll('_', ' ').replace(/=([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );

const encodedWordBytes = (encoding: string, text: string): Buffer =>
  encoding.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : qDecoded(text);

/**
 * Decodes RFC 2047 encoded words (`=?utf-8?q?Op=C3=A9rateur?=`). Adjacent words in one charset
 * are decoded together, because senders split a multi-byte character across two words, and the
 * whitespace between encoded words is not part of the text (RFC 2047 §6.2).
 */
export const decodeEncodedWords = (text: string): string => {
  let decoded = '';
  let position = 0;
  let runCharset: string | undefined;
  let runBytes: Buffer[] = [];
  for (const match of text.matchAll(encodedWord)) {
    const [word, declaredCharset = '', encoding = '', content = ''] = match;
    // A charset may carry an RFC 2231 language suffix: utf-8*en.
    const charset = (declaredCharset.split('*')[0] ?? '').toLowerCase();
    const gap = text.slice(position, match.index);
    const adjacent = runCharset !== undefined && gap.trim() === '';
    if (!adjacent || runCharset !== charset) {
      if (runCharset !== undefined) decoded += decodeText(Buffer.concat(runBytes), runCharset);
      if (!adjacent) decoded += gap;
      runCharset = charset;
      runBytes = [];
    }
    runBytes.push(encodedWordBytes(encoding, content));
    position = match.index + word.length;
  }
  if (runCharset !== undefined) decoded += decodeText(Buffer.concat(runBytes), runCharset);
  return decoded + text.slice(position);
};
