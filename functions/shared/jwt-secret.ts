import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigurationError } from '../core/errors.ts';

/** A rotated key reaches every warm function within this long (README: rotating the token key). */
export const jwtSecretMaxAgeMs = 5 * 60_000;

/**
 * The inbox token secret, from the Secrets Manager secret JWT_SECRET_ARN names (locally, the
 * stand-in AWS_ENDPOINT_URL_SECRETS_MANAGER points at), fetched on first use and again once
 * Powertools' cached copy is older than jwtSecretMaxAgeMs (at once after a failed read).
 */
export const jwtSecretFrom = ({ JWT_SECRET_ARN: secretArn }: { readonly JWT_SECRET_ARN?: string | undefined }): (() => Promise<string>) => {
  if (!secretArn) throw new ConfigurationError('set JWT_SECRET_ARN');
  return async () => {
    const secret = await getSecret(secretArn, { maxAge: jwtSecretMaxAgeMs / 1000 });
    if (typeof secret !== 'string' || secret === '') throw new ConfigurationError(`secret ${secretArn} has no string value`);
    return secret;
  };
};
