/** Mail or MIME-part headers in their order, repeats kept (Received), names lower-cased. */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** An RFC 5322 header block: folded lines joined, lines that are not headers skipped. */
export const parseHeaderBlock = (block: string): HeaderList => {
  const headers: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line)) {
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return headers;
};

export const headerValue = (headers: HeaderList, name: string): string | undefined => headers.find(([key]) => key === name)?.[1];
