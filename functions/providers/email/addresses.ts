/** Splits an address list at top-level commas, dropping comments and group names (`Team: a@x, b@y;`). */
const mailboxesOf = (list: string): string[] => {
  const mailboxes: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  let commentDepth = 0;
  for (let index = 0; index < list.length; index += 1) {
    const char = list[index] ?? '';
    if (quoted) {
      if (char === '\\') index += 1;
      else if (char === '"') quoted = false;
      current += char;
    } else if (commentDepth > 0) {
      if (char === '(') commentDepth += 1;
      else if (char === ')') commentDepth -= 1;
    } else if (char === '(') {
      commentDepth = 1;
    } else if (char === '"') {
      quoted = true;
      current += char;
    } else if (angle) {
      if (char === '>') angle = false;
      current += char;
    } else if (char === '<') {
      angle = true;
      current += char;
    } else if (char === ':') {
      current = '';
    } else if (char === ',' || char === ';') {
      mailboxes.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  mailboxes.push(current);
  return mailboxes;
};

/** The bare address of one mailbox: what is in angle brackets, else the mailbox itself. */
const addressOf = (mailbox: string): string | undefined => {
  const open = mailbox.lastIndexOf('<');
  const close = mailbox.indexOf('>', open);
  const address = (open === -1 ? mailbox : mailbox.slice(open + 1, close === -1 ? undefined : close)).trim().toLowerCase();
  return address.includes('@') ? address : undefined;
};

/**
 * The addresses in an RFC 5322 address list (`"Ann" <Ann@X.org>, bob@y.org`), lower-cased,
 * without display names: what keys a conversation.
 */
export const addressesIn = (list: string): string[] => mailboxesOf(list).flatMap((mailbox) => addressOf(mailbox) ?? []);

/** The first address in the first of these lists that has one. */
export const firstAddressIn = (lists: readonly (string | undefined)[]): string | undefined => {
  for (const list of lists) {
    const [address] = list === undefined ? [] : addressesIn(list);
    if (address) return address;
  }
  return undefined;
};
