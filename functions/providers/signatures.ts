import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a received signature with an expected one in time independent of where they
 * differ. Only a length mismatch returns early, and lengths are public (fixed per algorithm).
 */
export const signaturesMatch = (received: string, expected: string): boolean => {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};
