import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/core/errors.ts';
import { configOf } from '../../../functions/shared/config.ts';

/** The error configOf throws for this environment; none fails the test. */
const errorOf = (env: NodeJS.ProcessEnv): unknown => {
  try {
    configOf('health', env);
  } catch (error) {
    return error;
  }
  throw new Error('configOf did not throw');
};

const queues = { INGEST_QUEUE_URL: 'https://sqs.example/q', DEAD_LETTER_QUEUE_URL: 'https://sqs.example/dlq' };

describe('configOf', () => {
  it("gives exactly the variables the function's definition declares", () => {
    // Act
    const config = configOf('health', { ...queues, PATH: '/usr/bin', MESSAGES_TABLE: 'not-health-s' });

    // Assess
    expect(config).toEqual(queues);
  });

  it('throws a ConfigurationError naming the function and the missing variable', () => {
    const error = errorOf({ INGEST_QUEUE_URL: queues.INGEST_QUEUE_URL });

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('health function');
    expect((error as Error).message).toContain('DEAD_LETTER_QUEUE_URL');
    expect((error as Error).message).not.toContain('INGEST_QUEUE_URL');
  });

  it('holds each variable to its source: a queue is a URL', () => {
    const error = errorOf({ ...queues, INGEST_QUEUE_URL: 'ingest' });

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('INGEST_QUEUE_URL');
  });

  it('names every missing variable at once', () => {
    const error = errorOf({});

    expect((error as Error).message).toContain('INGEST_QUEUE_URL');
    expect((error as Error).message).toContain('DEAD_LETTER_QUEUE_URL');
  });

  it('checks a setting with the schema synth checks it with', () => {
    const query = { MESSAGES_TABLE: 'm', FEED_TABLE: 'f', BODY_BUCKET: 'b', STATS_TABLE: 's', JWT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:jwt' };

    expect(configOf('query', { ...query, JWT_MAX_LIFETIME_SECONDS: '3600' }).JWT_MAX_LIFETIME_SECONDS).toBe(3600);
    for (const value of ['soon', '0', '1.5', String(8 * 24 * 3600)]) {
      expect(() => configOf('query', { ...query, JWT_MAX_LIFETIME_SECONDS: value })).toThrow(/JWT_MAX_LIFETIME_SECONDS/);
    }
  });

  it('leaves the variables of the other token mode out', () => {
    const config = configOf('connect', { CONNECTIONS_TABLE: 'c', JWT_ISSUER: 'https://issuer.example', JWKS_URL: 'https://issuer.example/jwks', JWT_AUDIENCE: 'app' });

    expect(config).toEqual({ CONNECTIONS_TABLE: 'c', JWT_ISSUER: 'https://issuer.example', JWKS_URL: 'https://issuer.example/jwks', JWT_AUDIENCE: 'app' });
  });
});
