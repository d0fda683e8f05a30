import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedFor } from '../core/cached-for.ts';
import { ConfigurationError } from '../core/errors.ts';

/** A rotated key reaches every warm function within this long (README: rotating the token key). */
export const jwtSecretMaxAgeMs = 5 * 60_000;

/**
 * Where the inbox token secret comes from: JWT_SECRET directly (the local runtime), or a
 * Secrets Manager secret named by JWT_SECRET_ARN (the deployed stack), fetched on first use
 * and again once the copy is older than jwtSecretMaxAgeMs (at once after a failed read).
 */
export const jwtSecretFrom = (env: NodeJS.ProcessEnv = process.env): (() => Promise<string>) => {
  const { JWT_SECRET: secret, JWT_SECRET_ARN: secretArn } = env;
  if (secret) return async () => secret;
  if (!secretArn) throw new ConfigurationError('set JWT_SECRET or JWT_SECRET_ARN');
  const client = new SecretsManagerClient({});
  return cachedFor(jwtSecretMaxAgeMs, async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new ConfigurationError(`secret ${secretArn} has no string value`);
    return SecretString;
  });
};
