/**
 * Text in the charset a mail part or a SendGrid `charsets` entry names. TextDecoder knows the
 * WHATWG labels (utf-8, iso-8859-*, windows-125*, iso-2022-jp, gb18030, koi8-r…). An unknown
 * label (cp850) or none falls back to UTF-8: ASCII stays intact and the rest becomes U+FFFD,
 * which is better than refusing the whole mail.
 */
export const decodeText = (bytes: Uint8Array, charset?: string): string => {
  if (charset) {
    try {
      return new TextDecoder(charset.trim()).decode(bytes);
    } catch {
      // An unknown label: fall through to UTF-8.
    }
  }
  return new TextDecoder().decode(bytes);
};
