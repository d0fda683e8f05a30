import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultMediaLimits } from '../../functions/core/media.ts';
import {
  ConfigurationError,
  defaultFloodGuardLimits,
  defaultReservedConcurrency,
  defaultRestApiThrottle,
  defaultWebSocketThrottle,
  resolveSettings,
  settingsFromContext,
} from '../../lib/config.ts';

/** The stack's settings: CDK context in, typed settings out, every problem named at synth. */

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('settingsFromContext', () => {
  it('reads nothing into nothing: every default applies', () => {
    // Act
    const { stackName, settings, problems } = settingsFromContext(contextOf({}));

    // Assess
    expect({ stackName, settings, problems }).toEqual({ stackName: 'Switchboard', settings: {}, problems: [] });
    expect(resolveSettings(settings)).toEqual({
      settings: {
        stageName: 'prod',
        ackProvisionedConcurrency: { min: 1, max: 10 },
        tokenMaxLifetimeSeconds: 86_400,
        restApiThrottle: defaultRestApiThrottle,
        webSocketThrottle: defaultWebSocketThrottle,
        reservedConcurrency: defaultReservedConcurrency,
        floodGuard: defaultFloodGuardLimits,
        logRetentionDays: 30,
        archiveRetentionDays: 30,
        mediaMaxBytes: 26_214_400,
        mediaAllowedTypes: defaultMediaLimits.allowedTypes,
        mediaFetchTimeoutSeconds: 15,
        mediaFetchAttempts: 3,
      },
      problems: [],
    });
  });

  it('reads `-c key=value` strings and cdk.json numbers and booleans alike', () => {
    // Prepare
    const fromCommandLine = { ackProvisionedConcurrency: '3', wafRateLimit: '250000', logRetentionDays: '90', waf: 'true' };
    const fromCdkJson = { ackProvisionedConcurrency: 3, wafRateLimit: 250_000, logRetentionDays: 90, waf: true };

    // Act
    const read = [fromCommandLine, fromCdkJson].map((values) => settingsFromContext(contextOf(values)));

    // Assess
    for (const { settings, problems } of read) {
      expect(problems).toEqual([]);
      expect(settings).toEqual({ ackProvisionedConcurrency: 3, floodGuard: { requestsPerIpPer5Minutes: 250_000 }, logRetentionDays: 90 });
    }
  });

  it('maps every documented key to its setting', () => {
    // Prepare
    const context = {
      stackName: 'Inbound',
      stage: 'v1',
      ackMaxProvisionedConcurrency: '40',
      domainName: 'hooks.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/ab-12',
      jwtIssuer: 'https://issuer.example.com/',
      jwksUrl: 'https://issuer.example.com/jwks',
      jwtAudience: 'inbox-app-client',
      jwtTenantClaim: 'custom:tenant',
      tokenMaxLifetimeSeconds: '3600',
      restApiRateLimit: '2000',
      restApiBurstLimit: '1000',
      webSocketRateLimit: '500',
      webSocketBurstLimit: '800',
      queryConcurrency: '40',
      connectConcurrency: '20',
      socketConcurrency: '10',
      alarmEmail: 'oncall@example.com',
      waf: 'false',
      archiveRetentionDays: '365',
    };

    // Act
    const { stackName, settings, problems } = settingsFromContext(contextOf(context));

    // Assess
    expect(problems).toEqual([]);
    expect(stackName).toBe('Inbound');
    expect(settings).toEqual({
      stageName: 'v1',
      ackMaxProvisionedConcurrency: 40,
      customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/ab-12' },
      oidc: { issuer: 'https://issuer.example.com/', jwksUrl: 'https://issuer.example.com/jwks', audience: 'inbox-app-client', tenantClaim: 'custom:tenant' },
      tokenMaxLifetimeSeconds: 3600,
      restApiThrottle: { rateLimit: 2000, burstLimit: 1000 },
      webSocketThrottle: { rateLimit: 500, burstLimit: 800 },
      reservedConcurrency: { query: 40, connect: 20, socket: 10 },
      alarmEmail: 'oncall@example.com',
      floodGuard: false,
      archiveRetentionDays: 365,
    });
  });

  it('names each key whose value is not of its kind, and a domain without its certificate', () => {
    // Act
    const { problems } = settingsFromContext(contextOf({ ackProvisionedConcurrency: 'two', waf: 'off', stage: 7, domainName: 'hooks.example.com' }));

    // Assess
    expect(problems.sort()).toEqual([
      'context stage must be a string, got 7',
      'context ackProvisionedConcurrency must be a number, got "two"',
      'context domainName and certificateArn go together: the custom domain needs its ACM certificate',
      'context waf must be true or false, got "off"',
    ].sort());
  });

  it('turns the OIDC issuer on with any of its keys, so that a missing one is reported rather than ignored', () => {
    // Act
    const { settings } = settingsFromContext(contextOf({ jwtAudience: 'inbox' }));
    const { problems } = resolveSettings(settings);

    // Assess
    expect(problems).toEqual([
      'oidc.issuer (context jwtIssuer) must be an https:// URL, got ""',
      'oidc.jwksUrl (context jwksUrl) must be an https:// URL, got ""',
    ]);
  });

  it('requires the audience with an OIDC issuer, naming its key', () => {
    // Act
    const { settings } = settingsFromContext(contextOf({ jwtIssuer: 'https://issuer.example.com/', jwksUrl: 'https://issuer.example.com/jwks' }));
    const { problems } = resolveSettings(settings);

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^oidc\.audience \(context jwtAudience\) is required with an OIDC issuer: .*got ""$/)]);
  });

  it('keeps the default of the throttle or reserved concurrency a key leaves out, and reserves none with reservedConcurrency=false', () => {
    // Act
    const some = resolveSettings(settingsFromContext(contextOf({ restApiRateLimit: '800', queryConcurrency: 30 })).settings);
    const none = resolveSettings(settingsFromContext(contextOf({ reservedConcurrency: 'false', queryConcurrency: 30 })).settings);

    // Assess
    expect(some.settings.restApiThrottle).toEqual({ rateLimit: 800, burstLimit: defaultRestApiThrottle.burstLimit });
    expect(some.settings.reservedConcurrency).toEqual({ ...defaultReservedConcurrency, query: 30 });
    expect(none.settings.reservedConcurrency).toBeUndefined();
    expect([...some.problems, ...none.problems]).toEqual([]);
  });
});

describe('resolveSettings', () => {
  it('reports every problem at once, in one error, one per line', () => {
    // Act
    const { problems } = resolveSettings({ stageName: 'a/b', logRetentionDays: 45, ackProvisionedConcurrency: -1 });
    const error = new ConfigurationError(problems);

    // Assess
    expect(problems).toHaveLength(3);
    expect(error.message.split('\n')).toEqual([
      "Switchboard's configuration is not valid:",
      `  - stageName (context stage) must be 1 to 128 letters, digits, '-' or '_', got "a/b"`,
      '  - ackProvisionedConcurrency must be a whole number, 0 or more (0 turns it off), got -1',
      expect.stringMatching(/^ {2}- logRetentionDays must be one of CloudWatch's retention periods .*got 45$/),
    ]);
  });

  it.each([
    [{ tokenMaxLifetimeSeconds: 0 }, 'tokenMaxLifetimeSeconds (context tokenMaxLifetimeSeconds) must be a whole number of seconds from 60 to 604800 (7 days), got 0'],
    [{ tokenMaxLifetimeSeconds: 30 * 86_400 }, 'tokenMaxLifetimeSeconds (context tokenMaxLifetimeSeconds) must be a whole number of seconds from 60 to 604800 (7 days), got 2592000'],
    [{ restApiThrottle: { rateLimit: 0 } }, 'restApiThrottle.rateLimit (context restApiRateLimit) must be a whole number of requests a second, 1 or more, got 0'],
    [{ webSocketThrottle: { burstLimit: 1.5 } }, 'webSocketThrottle.burstLimit (context webSocketBurstLimit) must be a whole number of requests, 1 or more, got 1.5'],
    [{ reservedConcurrency: { query: 0 } }, 'reservedConcurrency.query (context queryConcurrency) must be a whole number, 1 or more (reservedConcurrency=false reserves none), got 0'],
  ] satisfies [Parameters<typeof resolveSettings>[0], string][])('refuses %o, naming the context key', (settings, problem) => {
    expect(resolveSettings(settings).problems).toEqual([problem]);
  });

  it('keeps at least as many warm instances at most as at least', () => {
    // Act
    const { settings, problems } = resolveSettings({ ackProvisionedConcurrency: 25 });

    // Assess
    expect(problems).toEqual([]);
    expect(settings.ackProvisionedConcurrency).toEqual({ min: 25, max: 25 });
  });
});

describe('cdk synth with a bad configuration', () => {
  it('prints every problem, without a stack trace, and exits 1 before anything is synthesized', async () => {
    // Prepare: the CDK CLI hands context to the app in CDK_CONTEXT_JSON, and the output folder in CDK_OUTDIR.
    const outdir = await mkdtemp(join(tmpdir(), 'switchboard-synth-'));
    const context = { stage: 'prod/v1', waf: 'maybe', jwtIssuer: 'https://issuer.example.com/', jwksUrl: 'https://issuer.example.com/jwks' };

    try {
      // Act
      const failure = await promisify(execFile)(process.execPath, ['bin/app.ts'], {
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );

      // Assess
      expect(failure?.code).toBe(1);
      expect(failure?.stderr.trim().split('\n')).toEqual([
        "Switchboard's configuration is not valid:",
        '  - context waf must be true or false, got "maybe"',
        `  - stageName (context stage) must be 1 to 128 letters, digits, '-' or '_', got "prod/v1"`,
        expect.stringMatching(/^ {2}- oidc\.audience \(context jwtAudience\) is required with an OIDC issuer: /),
      ]);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  });
});
