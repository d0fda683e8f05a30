import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../functions/core/errors.ts';
import { jwtSecretFrom, jwtSecretMaxAgeMs } from '../../../functions/shared/jwt-secret.ts';

// Powertools builds its own client: mocking the class covers it.
const secretsManager = mockClient(SecretsManagerClient);
// Powertools keeps one cache per process: each test reads a secret of its own.
const secretArn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

beforeEach(() => {
  secretsManager.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the inbox token secret', () => {
  it('is read from Secrets Manager once, then again after a rotation has had time to land', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'first' }).resolvesOnce({ SecretString: 'rotated' });
    const env = { JWT_SECRET_ARN: secretArn('rotated') };
    const secret = jwtSecretFrom(env);

    // Act
    const beforeExpiry = [await secret(), await secret()];
    vi.advanceTimersByTime(jwtSecretMaxAgeMs + 1);
    const afterExpiry = await secret();

    // Assess
    expect(beforeExpiry).toEqual(['first', 'first']);
    expect(afterExpiry).toBe('rotated');
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: env.JWT_SECRET_ARN }, { SecretId: env.JWT_SECRET_ARN }]);
  });

  it('is asked for again on the next call when a read failed, rather than failing until it expires', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolvesOnce({ SecretString: 'key' });
    const secret = jwtSecretFrom({ JWT_SECRET_ARN: secretArn('failed-once') });

    // Act
    const first = await secret().catch((error: Error) => error.message);
    const second = await secret();

    // Assess
    expect([first, second]).toEqual([expect.stringContaining('throttled'), 'key']);
  });

  it('refuses to start without JWT_SECRET_ARN, the local stack included', () => {
    expect(() => jwtSecretFrom({})).toThrow(ConfigurationError);
  });
});
