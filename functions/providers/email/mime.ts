import type { MediaItem } from '../../core/message.ts';
import { decodeText } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { headerValue, parseHeaderBlock, type HeaderList } from './headers.ts';
import { parseParameterizedHeader } from './parameters.ts';
import { multipartParts, splitEntity } from './multipart.ts';

/** What an inbox needs from a raw MIME message: its headers, its bodies and what is attached. */
export interface ParsedEmail {
  readonly headers: HeaderList;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly MediaItem[];
}

/** Deeper nesting than any mail client produces: a bound so a crafted message cannot exhaust the stack. */
const maxNesting = 16;

const quotedPrintable = (body: Buffer): Buffer =>
  Buffer.from(
    body
      .toString('latin1')
      .replace(/=[ \t]*\r?\n/g, '')
      .replace(/=([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );

const decodeTransfer = (body: Buffer, encoding: string | undefined): Buffer => {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return quotedPrintable(body);
    default:
      return body;
  }
};

interface Collected {
  texts: string[];
  html?: string;
  attachments: MediaItem[];
}

const collect = (headers: HeaderList, body: Buffer, found: Collected, depth: number): void => {
  const type = parseParameterizedHeader(headerValue(headers, 'content-type') ?? 'text/plain');
  const boundary = type.parameters.boundary;
  if (type.value.startsWith('multipart/')) {
    if (!boundary || depth >= maxNesting) return;
    for (const part of multipartParts(body, boundary)) {
      const entity = splitEntity(part);
      collect(parseHeaderBlock(entity.header), entity.body, found, depth + 1);
    }
    return;
  }
  const disposition = parseParameterizedHeader(headerValue(headers, 'content-disposition') ?? '');
  const rawFilename = disposition.parameters.filename ?? type.parameters.name;
  const filename = rawFilename === undefined ? undefined : decodeEncodedWords(rawFilename);
  const content = decodeTransfer(body, headerValue(headers, 'content-transfer-encoding'));
  const isBody = disposition.value !== 'attachment' && filename === undefined && (type.value === 'text/plain' || type.value === 'text/html');
  if (!isBody) {
    found.attachments.push({ contentType: type.value, sizeBytes: content.length, ...(filename !== undefined && { filename }) });
  } else if (type.value === 'text/plain') {
    // A client that puts an inline image mid-message splits the text around it.
    found.texts.push(decodeText(content, type.parameters.charset));
  } else {
    found.html ??= decodeText(content, type.parameters.charset);
  }
};

/** Parses a raw RFC 5322 / MIME message: SendGrid's `email` field, Mailgun's `body-mime`. */
export const parseMime = (raw: Buffer): ParsedEmail => {
  const { header, body } = splitEntity(raw);
  const headers = parseHeaderBlock(header);
  const found: Collected = { texts: [], attachments: [] };
  collect(headers, body, found, 0);
  return {
    headers,
    ...(found.texts.length > 0 && { text: found.texts.join('\n') }),
    ...(found.html !== undefined && { html: found.html }),
    attachments: found.attachments,
  };
};
