import { addressParser } from 'postal-mime';

/**
 * The addresses in an RFC 5322 address list (`"Ann" <Ann@X.org>, bob@y.org`), lower-cased,
 * without display names, comments or group names: what keys a conversation. postal-mime's
 * address parser reads the list.
 */
export const addressesIn = (list: string): string[] =>
  // Groups flattened to their members; a mailbox without an @ (`undisclosed-recipients`, a bare name) is no address.
  addressParser(list, { flatten: true }).flatMap(({ address }) => (address?.includes('@') ? [address.toLowerCase()] : []));

/** The first address in the first of these lists that has one. */
export const firstAddressIn = (lists: readonly (string | undefined)[]): string | undefined => {
  for (const list of lists) {
    const [address] = list === undefined ? [] : addressesIn(list);
    if (address) return address;
  }
  return undefined;
};
