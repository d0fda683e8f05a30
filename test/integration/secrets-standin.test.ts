import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jwtSecretFrom, jwtSecretMaxAgeMs } from '../../functions/shared/jwt-secret.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startSecretsStandIn } from '../../lib/local/secrets-standin.ts';
import { startJwtSecret } from '../helpers/services.ts';

let secrets: Awaited<ReturnType<typeof startSecretsStandIn>>;
let client: SecretsManagerClient;
beforeAll(async () => {
  secrets = await startSecretsStandIn({ secrets: { 'switchboard-jwt': 'the-key', other: 'another' } });
  client = new SecretsManagerClient({ region: localRegion, credentials: localCredentials, endpoint: secrets.endpoint });
});
afterAll(async () => {
  client?.destroy();
  await secrets?.stop();
});

describe('the local Secrets Manager, to the SDK client', () => {
  it.each([
    ['name', () => 'switchboard-jwt'],
    ['ARN', () => secrets.arnOf('switchboard-jwt')],
  ])('answers GetSecretValue by %s as AWS does', async (_, secretId) => {
    // Act
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId() }));

    // Assess
    expect(answer).toMatchObject({
      ARN: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:switchboard-jwt-[\w-]{6}$/),
      Name: 'switchboard-jwt',
      SecretString: 'the-key',
      VersionId: expect.any(String),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: expect.any(Date),
    });
    expect(answer.ARN).toBe(secrets.arnOf('switchboard-jwt'));
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'no-such-secret' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('the inbox token key, read through Powertools', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('is read once, then not asked for again until its max age has passed', async () => {
    // Prepare: as the local runtime gives it to a function.
    const standIn = await startJwtSecret('rotating-key');
    const environment = { ...standIn.handlerEnvironment, AWS_ACCESS_KEY_ID: localCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    vi.useFakeTimers({ toFake: ['Date'] });
    const secret = jwtSecretFrom(process.env);

    // Act: with the stand-in gone, only a read that makes no request can succeed.
    const first = await secret();
    await standIn.stop();
    vi.advanceTimersByTime(jwtSecretMaxAgeMs);
    const withinMaxAge = await secret();
    vi.advanceTimersByTime(1);
    const afterMaxAge = secret();

    // Assess
    expect([first, withinMaxAge]).toEqual(['rotating-key', 'rotating-key']);
    await expect(afterMaxAge).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
