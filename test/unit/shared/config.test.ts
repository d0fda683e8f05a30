import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/core/errors.ts';
import { readConfig, required } from '../../../functions/shared/config.ts';

const shape = { TABLE_NAME: required, QUEUE_URL: required };

/** The error readConfig throws for this environment; none fails the test. */
const errorOf = (env: NodeJS.ProcessEnv): unknown => {
  try {
    readConfig(shape, env);
  } catch (error) {
    return error;
  }
  throw new Error('readConfig did not throw');
};

describe('readConfig', () => {
  it('gives the declared variables of a complete environment', () => {
    // Prepare
    const env = { TABLE_NAME: 'Messages', QUEUE_URL: 'https://sqs.example/q', PATH: '/usr/bin' };

    // Act
    const config = readConfig(shape, env);

    // Assess
    expect(config).toEqual({ TABLE_NAME: 'Messages', QUEUE_URL: 'https://sqs.example/q' });
  });

  it('throws a ConfigurationError naming the missing variable', () => {
    const error = errorOf({ TABLE_NAME: 'Messages' });

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('QUEUE_URL');
    expect((error as Error).message).not.toContain('TABLE_NAME');
  });

  it('treats an empty variable as missing', () => {
    const error = errorOf({ TABLE_NAME: '', QUEUE_URL: 'https://sqs.example/q' });

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('TABLE_NAME');
  });

  it('names every missing variable at once', () => {
    const error = errorOf({});

    expect((error as Error).message).toContain('TABLE_NAME');
    expect((error as Error).message).toContain('QUEUE_URL');
  });
});
