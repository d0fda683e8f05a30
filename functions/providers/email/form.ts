import { headerValue, parseHeaderBlock } from './headers.ts';
import { parseParameterizedHeader } from './parameters.ts';
import { multipartParts, splitEntity } from './multipart.ts';

/** One field of a posted form, as bytes: SendGrid names each field's charset separately. */
export interface FormField {
  readonly name: string;
  readonly bytes: Buffer;
  /** Set for a file part (an attachment). */
  readonly filename?: string;
  readonly contentType?: string;
}

const formDataFields = (body: Buffer, boundary: string): FormField[] =>
  multipartParts(body, boundary).flatMap((part) => {
    const { header, body: bytes } = splitEntity(part);
    const headers = parseHeaderBlock(header);
    const { value: disposition, parameters } = parseParameterizedHeader(headerValue(headers, 'content-disposition') ?? '');
    const { name, filename } = parameters;
    if (disposition !== 'form-data' || name === undefined) return [];
    const contentType = headerValue(headers, 'content-type');
    return [{ name, bytes, ...(filename !== undefined && { filename }), ...(contentType !== undefined && { contentType }) }];
  });

/**
 * The fields of a form body, in order: urlencoded or multipart/form-data, as the Content-Type
 * says. Undefined for any other body. Never throws, so verification can use it on garbage.
 */
export const readForm = (body: Buffer, contentType: string | undefined): FormField[] | undefined => {
  const { value: mediaType, parameters } = parseParameterizedHeader(contentType ?? '');
  if (mediaType === 'application/x-www-form-urlencoded') {
    return [...new URLSearchParams(body.toString('utf8'))].map(([name, value]) => ({ name, bytes: Buffer.from(value, 'utf8') }));
  }
  if (mediaType === 'multipart/form-data' && parameters.boundary) return formDataFields(body, parameters.boundary);
  return undefined;
};

export const fieldNamed = (fields: readonly FormField[], name: string): FormField | undefined => fields.find((field) => field.name === name);

/** The fields named `<prefix><n>` (SendGrid attachment1…, Mailgun attachment-1…), in number order. */
export const numberedFields = (fields: readonly FormField[], prefix: string): FormField[] =>
  fields
    .flatMap((field) => {
      const suffix = field.name.startsWith(prefix) ? field.name.slice(prefix.length) : '';
      return /^\d+$/.test(suffix) ? [{ number: Number(suffix), field }] : [];
    })
    .sort((a, b) => a.number - b.number)
    .map(({ field }) => field);

/**
 * The fields of a form as bytes to hash into a mail's id when it has no Message-Id: names and
 * values, not the multipart framing, and without the `perAttempt` fields a retry changes.
 */
export const formFingerprint = (fields: readonly FormField[], perAttempt: ReadonlySet<string> = new Set()): Uint8Array[] =>
  fields.filter((field) => !perAttempt.has(field.name)).flatMap((field) => [Buffer.from(`${field.name}\0`), field.bytes, Buffer.from('\0')]);

const quoted = (value: string): string => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** A multipart/form-data body of these fields, as a mail provider posts it. */
export const encodeFormData = (fields: readonly FormField[], boundary: string): Buffer =>
  Buffer.concat([
    ...fields.flatMap((field) => [
      Buffer.from(
        [
          `--${boundary}`,
          `Content-Disposition: form-data; name=${quoted(field.name)}${field.filename === undefined ? '' : `; filename=${quoted(field.filename)}`}`,
          ...(field.contentType === undefined ? [] : [`Content-Type: ${field.contentType}`]),
          '',
          '',
        ].join('\r\n'),
      ),
      field.bytes,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
