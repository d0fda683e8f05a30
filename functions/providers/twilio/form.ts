/** One `name=value` pair of an application/x-www-form-urlencoded string, decoded. */
export type FormField = readonly [name: string, value: string];

const unchanged = (text: string): string => text;

const indexOrEnd = (text: string, search: string, from: number): number => {
  const index = text.indexOf(search, from);
  return index === -1 ? text.length : index;
};

/**
 * The fields of a form-encoded string, in order: what URLSearchParams gives for well-formed
 * input, without its per-instance cost, and only decoding the fields that hold an escape.
 * Unlike URLSearchParams it gives undefined, never a guess, for a malformed percent-escape
 * or invalid UTF-8: Twilio never sends one, and the signature check and the normalizer must
 * read the same fields or neither.
 */
export const decodeForm = (text: string): FormField[] | undefined => {
  // A '+' in the text is a space (a plus sign arrives as %2B), so it can be replaced before splitting.
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  const fields: FormField[] = [];
  // The next '=' and '%', each found once and kept until passed, so the scan stays linear
  // however the fields are shaped.
  let equals = -1;
  let percent = -1;
  try {
    for (let start = 0; start <= spaced.length; ) {
      const end = indexOrEnd(spaced, '&', start);
      if (end > start) {
        if (equals < start) equals = indexOrEnd(spaced, '=', start);
        if (percent < start) percent = indexOrEnd(spaced, '%', start);
        const decode = percent < end ? decodeURIComponent : unchanged;
        fields.push(
          equals < end ? [decode(spaced.slice(start, equals)), decode(spaced.slice(equals + 1, end))] : [decode(spaced.slice(start, end)), ''],
        );
      }
      start = end + 1;
    }
  } catch {
    return undefined;
  }
  return fields;
};
