import { decodeText } from './charset.ts';

/** A header such as Content-Type or Content-Disposition: its lower-cased value and its parameters, names lower-cased. */
export interface ParameterizedHeader {
  readonly value: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Splits at `;` outside quoted strings, unquoting and unescaping quoted values. */
const segmentsOf = (header: string): string[] => {
  const segments: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < header.length; index += 1) {
    const char = header[index] ?? '';
    if (quoted && char === '\\') {
      current += header[index + 1] ?? '';
      index += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ';' && !quoted) {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments.map((segment) => segment.trim());
};

const hexDigit = (byte: number | undefined): number => {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
};

/** The bytes of a percent-encoded value, in one pass; characters that are not escapes stand for their UTF-8 bytes. */
const percentDecoded = (value: string): Buffer => {
  const source = Buffer.from(value, 'utf8');
  const decoded = Buffer.alloc(source.length);
  let length = 0;
  for (let index = 0; index < source.length; index += 1) {
    const high = source[index] === 0x25 ? hexDigit(source[index + 1]) : -1;
    const low = high === -1 ? -1 : hexDigit(source[index + 2]);
    if (low === -1) {
      decoded[length] = source[index] ?? 0;
    } else {
      decoded[length] = high * 16 + low;
      index += 2;
    }
    length += 1;
  }
  return decoded.subarray(0, length);
};

interface ParameterPiece {
  readonly index: number;
  readonly encoded: boolean;
  readonly value: string;
}

/**
 * Joins RFC 2231 parameter pieces (`filename*0*=utf-8''%E2%82%AC; filename*1=.pdf`) into one
 * value: percent-encoded pieces are bytes in the charset the first piece names.
 */
const joinPieces = (pieces: ParameterPiece[]): string => {
  let charset: string | undefined;
  const chunks = pieces
    .toSorted((a, b) => a.index - b.index)
    .map((piece, position) => {
      let value = piece.value;
      const languageEnd = value.indexOf("'", value.indexOf("'") + 1);
      if (piece.encoded && position === 0 && languageEnd !== -1) {
        charset = value.slice(0, value.indexOf("'"));
        value = value.slice(languageEnd + 1);
      }
      return piece.encoded ? percentDecoded(value) : Buffer.from(value, 'utf8');
    });
  return decodeText(Buffer.concat(chunks), charset);
};

export const parseParameterizedHeader = (header: string): ParameterizedHeader => {
  const [value = '', ...rawParameters] = segmentsOf(header);
  const plain: Record<string, string> = {};
  const extended = new Map<string, ParameterPiece[]>();
  for (const parameter of rawParameters) {
    const equals = parameter.indexOf('=');
    if (equals <= 0) continue;
    const name = parameter.slice(0, equals).trim().toLowerCase();
    const parameterValue = parameter.slice(equals + 1).trim();
    const piece = /^([^*]+)\*(?:(\d+)(\*)?)?$/.exec(name);
    if (!piece?.[1]) {
      plain[name] = parameterValue;
      continue;
    }
    const base = piece[1];
    const pieces = extended.get(base) ?? [];
    // `name*` alone is one encoded piece; `name*N` is a plain piece and `name*N*` an encoded one.
    pieces.push({ index: Number(piece[2] ?? 0), encoded: piece[2] === undefined || piece[3] === '*', value: parameterValue });
    extended.set(base, pieces);
  }
  const parameters = { ...plain, ...Object.fromEntries([...extended].map(([name, pieces]) => [name, joinPieces(pieces)])) };
  return { value: value.toLowerCase(), parameters };
};
