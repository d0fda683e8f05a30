/** An RFC 5322 Date as ISO 8601, when it parses; comments such as `(PDT)` are ignored. */
export const isoDateOf = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const time = Date.parse(value.replace(/\([^()]*\)/g, ' '));
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
};

/** A date as a mail's Date header writes it: Wed, 25 Nov 2026 12:00:00 +0000. */
export const rfc5322Date = (date: Date): string => date.toUTCString().replace('GMT', '+0000');
