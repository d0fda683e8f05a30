import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../core/errors.ts';

/**
 * Where the inbox token secret comes from: JWT_SECRET directly (the local runtime), or a
 * Secrets Manager secret named by JWT_SECRET_ARN (the deployed stack), fetched once.
 */
export const jwtSecretFrom = (env: NodeJS.ProcessEnv = process.env): (() => Promise<string>) => {
  const { JWT_SECRET: secret, JWT_SECRET_ARN: secretArn } = env;
  if (secret) return async () => secret;
  if (!secretArn) throw new ConfigurationError('set JWT_SECRET or JWT_SECRET_ARN');
  let pending: Promise<string> | undefined;
  return () =>
    (pending ??= new SecretsManagerClient({})
      .send(new GetSecretValueCommand({ SecretId: secretArn }))
      .then(({ SecretString }) => {
        if (!SecretString) throw new ConfigurationError(`secret ${secretArn} has no string value`);
        return SecretString;
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      }));
};
