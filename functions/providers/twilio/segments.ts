/**
 * How many SMS segments a text costs, as carriers (and Twilio's rate limits) count them.
 * A text in the GSM-7 alphabet fits 160 characters in one segment and 153 per segment once it
 * is split (the user data header takes 7); the extension table's characters take an escape
 * and so count twice, and never split across segments. Any other character makes the whole
 * text UCS-2: 70 UTF-16 code units in one segment, 67 per part, a surrogate pair never split.
 * https://www.twilio.com/docs/glossary/what-sms-character-limit
 * https://www.twilio.com/docs/glossary/what-is-gsm-7-character-encoding
 * (3GPP TS 23.038 §6.2.1 for the alphabet and its extension table.)
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  readonly encoding: SmsEncoding;
  readonly segments: number;
}

// The GSM 03.38 default alphabet, without the escape (0x1B) that introduces the extension table.
const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const gsmExtension = new Set('\f^{}\\[~]|€');

const limits: Readonly<Record<SmsEncoding, { readonly single: number; readonly perPart: number }>> = {
  'GSM-7': { single: 160, perPart: 153 },
  'UCS-2': { single: 70, perPart: 67 },
};

/** The units each character takes: septets in GSM-7, UTF-16 code units in UCS-2; undefined when the text is not GSM-7. */
const gsmUnits = (characters: readonly string[]): number[] | undefined => {
  const units: number[] = [];
  for (const character of characters) {
    if (gsmBasic.has(character)) units.push(1);
    else if (gsmExtension.has(character)) units.push(2);
    else return undefined;
  }
  return units;
};

/** Parts filled in order, a character that does not fit starting the next one. */
const partsOf = (units: readonly number[], perPart: number): number => {
  let parts = 1;
  let used = 0;
  for (const unit of units) {
    if (used + unit > perPart) {
      parts += 1;
      used = 0;
    }
    used += unit;
  }
  return parts;
};

/** The segments a text costs. An empty text still costs one, as Twilio bills it. */
export const smsSegments = (text: string): SmsSegments => {
  // By code point, so that a surrogate pair stays one character of two units.
  const characters = Array.from(text);
  const gsm = gsmUnits(characters);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const units = gsm ?? characters.map((character) => character.length);
  const total = units.reduce((sum, unit) => sum + unit, 0);
  const { single, perPart } = limits[encoding];
  return { encoding, segments: total <= single ? 1 : partsOf(units, perPart) };
};
