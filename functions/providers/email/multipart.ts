const LF = 0x0a;
const CR = 0x0d;

/** What may follow a boundary on its delimiter line; anything else means the line only starts like one. */
const endsDelimiter = (byte: number | undefined): boolean =>
  byte === undefined || byte === LF || byte === CR || byte === 0x20 || byte === 0x09 || byte === 0x2d;

/** Where the next delimiter line (`--boundary` at the start of a line) begins, searching from `from`. */
const nextDelimiter = (body: Buffer, delimiter: Buffer, from: number): number => {
  for (let at = body.indexOf(delimiter, from); at !== -1; at = body.indexOf(delimiter, at + 1)) {
    if ((at === 0 || body[at - 1] === LF) && endsDelimiter(body[at + delimiter.length])) return at;
  }
  return -1;
};

/**
 * The body parts of a multipart entity (RFC 2046 §5.1.1), in order, each still with its own
 * header block. Parts are views into `body`, never copies, so attachments cost nothing here.
 * Tolerates bare LF line ends and a missing close delimiter, as mail in the wild needs.
 */
export const multipartParts = (body: Buffer, boundary: string): Buffer[] => {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = nextDelimiter(body, delimiter, 0);
  while (at !== -1) {
    const afterDelimiter = at + delimiter.length;
    const isClose = body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d;
    const lineEnd = body.indexOf(LF, afterDelimiter);
    if (isClose || lineEnd === -1) break;
    const next = nextDelimiter(body, delimiter, lineEnd);
    // The line break before a delimiter belongs to the delimiter, not to the part.
    const end = next === -1 ? body.length : Math.max(lineEnd + 1, next - (body[next - 2] === CR ? 2 : 1));
    parts.push(body.subarray(lineEnd + 1, end));
    at = next;
  }
  return parts;
};

/** Where a header block ends: the first empty line, and where the body after it starts. */
const headerEnd = (entity: Buffer): { end: number; bodyStart: number } | undefined => {
  if (entity[0] === LF) return { end: 0, bodyStart: 1 };
  if (entity[0] === CR && entity[1] === LF) return { end: 0, bodyStart: 2 };
  for (let at = entity.indexOf(LF); at !== -1; at = entity.indexOf(LF, at + 1)) {
    if (entity[at + 1] === LF) return { end: at, bodyStart: at + 2 };
    if (entity[at + 1] === CR && entity[at + 2] === LF) return { end: at, bodyStart: at + 3 };
  }
  return undefined;
};

/** A message or MIME part split at its first empty line: the header block as text, and the body bytes. */
export const splitEntity = (entity: Buffer): { header: string; body: Buffer } => {
  const split = headerEnd(entity);
  if (!split) return { header: entity.toString('utf8'), body: entity.subarray(entity.length) };
  return { header: entity.subarray(0, split.end).toString('utf8'), body: entity.subarray(split.bodyStart) };
};
