import { secretPrefix, signingKeyOf } from './signature.ts';

/** Standard Webhooks: a signing secret is "random, between 24 bytes (192 bits) and 64 bytes (512 bits)". */
export const minSigningKeyBytes = 24;

/** Why a secret cannot be a Standard Webhooks endpoint's, or undefined: one that verifies nothing, or a key short enough to guess. */
export const standardSecretRefusal = (secret: string): string | undefined => {
  const key = signingKeyOf(secret);
  return key && key.length >= minSigningKeyBytes
    ? undefined
    : `a Standard Webhooks secret is ${secretPrefix} followed by the base64 of at least ${minSigningKeyBytes} random bytes`;
};
