import { describe, expect, it } from 'vitest';
import { configOf } from '../../functions/shared/config.ts';
import { resolveSettings, settingsFromContext, settingValuesOf } from '../../lib/config.ts';

/** The operator's media limits: checked at synth, carried to the media function, read back as it uses them. */

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('media limits as settings', () => {
  it('reaches the media function as the limits it fetches with', () => {
    // Prepare
    const { settings } = settingsFromContext(contextOf({ mediaMaxBytes: '5242880', mediaAllowedTypes: 'image/*, application/pdf', mediaFetchTimeoutSeconds: 10, mediaFetchAttempts: '2' }));
    const values = settingValuesOf(resolveSettings(settings).settings);

    // Act
    const config = configOf('media', {
      MESSAGES_TABLE: 'm',
      ENDPOINTS_TABLE: 'e',
      BODY_BUCKET: 'b',
      SEND_KEY_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:send',
      TWILIO_API_BASE_URL: values.twilioApiBaseUrl,
      GRAPH_API_BASE_URL: values.graphApiBaseUrl,
      MEDIA_MAX_BYTES: values.mediaMaxBytes,
      MEDIA_ALLOWED_TYPES: values.mediaAllowedTypes,
      MEDIA_FETCH_TIMEOUT_SECONDS: values.mediaFetchTimeoutSeconds,
      MEDIA_FETCH_ATTEMPTS: values.mediaFetchAttempts,
    });

    // Assess
    expect([config.MEDIA_MAX_BYTES, config.MEDIA_ALLOWED_TYPES, config.MEDIA_FETCH_TIMEOUT_SECONDS, config.MEDIA_FETCH_ATTEMPTS]).toEqual([5_242_880, ['image/*', 'application/pdf'], 10, 2]);
  });

  it('refuses a cap past what the function holds, a type that is not one, and fetches that outlast the function', () => {
    const problems = (settings: Record<string, unknown>) => resolveSettings(settings).problems;

    expect(problems({ mediaMaxBytes: 50 * 1024 * 1024 })).toEqual([expect.stringContaining('mediaMaxBytes must be a whole number of bytes from 1 to 26214400')]);
    expect(problems({ mediaAllowedTypes: ['image/*', 'pdf'] })).toEqual([expect.stringContaining('mediaAllowedTypes')]);
    expect(problems({ mediaFetchTimeoutSeconds: 30, mediaFetchAttempts: 3 })).toEqual([expect.stringContaining('at most 45 s')]);
  });
});
