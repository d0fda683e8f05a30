import type { FloodGuardLimits } from './constructs/flood-guard.ts';
import type { CustomDomainProps } from './constructs/ingest.ts';
import type { OidcProps } from './constructs/realtime.ts';
import type { ReservedConcurrency, StageThrottle } from './constructs/throttling.ts';
import { ConfigurationError } from '../functions/core/errors.ts';
import { defaultTokenMaxLifetimeSeconds } from '../functions/core/tokens.ts';
import { maxTokenLifetimeSeconds, settingSchemas } from '../functions/shared/config.ts';
import type { SettingId, TokenMode } from './definitions/functions.ts';
import { archiveRetentionDays as defaultArchiveRetentionDays, ingestQueueSettings } from './definitions/pipeline.ts';
import { defaultMediaLimits } from '../functions/core/media.ts';

export { ConfigurationError };

/**
 * The stack's settings: the typed props a CDK app passes, the CDK context keys `cdk deploy -c`
 * sets them with, their defaults, and the checks that refuse a bad value at synth, every
 * problem at once, each naming its context key.
 */

/** Every setting of a Switchboard stack; all optional, with the defaults below. */
export interface SwitchboardSettings {
  /**
   * The stage of both APIs: the first path segment of webhook URLs and the WebSocket URL's path.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Warm instances of the ack function. 0 turns provisioned concurrency off (and its cost), for
   * development stacks; webhooks then meet cold starts.
   *
   * @default 1
   */
  readonly ackProvisionedConcurrency?: number;
  /**
   * The most warm ack instances Application Auto Scaling may provision when 70% are busy.
   *
   * @default 10
   */
  readonly ackMaxProvisionedConcurrency?: number;
  /**
   * The https URL providers call, without a trailing slash, when a proxy sits in front of the
   * REST API. Twilio signs the exact URL it called, so this must be that URL's base.
   *
   * @default - the custom domain's URL, or the REST API's execute-api URL of the stage
   */
  readonly publicBaseUrl?: string;
  /**
   * A domain of yours in front of the REST API (regional, TLS 1.2), mapped at its root.
   *
   * @default - none
   */
  readonly customDomain?: CustomDomainProps;
  /**
   * An OIDC issuer whose tokens the WebSocket and the query API accept, checked against its JWKS.
   *
   * @default - HS256 tokens signed with the stack's shared secret (`switchboard token`)
   */
  readonly oidc?: OidcProps;
  /**
   * The longest an HS256 token (signed with the stack's secret) may live, `iat` to `exp`, for
   * the WebSocket and the query API to accept it; `switchboard token --ttl` refuses more. An OIDC
   * issuer sets its own tokens' lifetime.
   *
   * @default 86400 (24 h)
   */
  readonly tokenMaxLifetimeSeconds?: number;
  /**
   * API Gateway's throttle on the REST API's stage (webhooks, query API and /health together).
   *
   * @default - defaultRestApiThrottle
   */
  readonly restApiThrottle?: Partial<StageThrottle>;
  /**
   * API Gateway's throttle on the WebSocket API's stage (connects and client messages together).
   *
   * @default - defaultWebSocketThrottle
   */
  readonly webSocketThrottle?: Partial<StageThrottle>;
  /**
   * Reserved concurrency of the query, $connect, client-message and send functions, or false for none
   * (an account whose concurrency quota is under 1,000 may have no room for it: Lambda keeps 100 unreserved).
   *
   * @default - defaultReservedConcurrency
   */
  readonly reservedConcurrency?: Partial<ReservedConcurrency> | false;
  /**
   * Where the providers' send APIs are: Twilio's regional edge (https://api.dublin.ie1.twilio.com),
   * say, or a stand-in of your own for a staging stack.
   *
   * @default - providerApiBaseUrls: https://api.twilio.com, https://graph.facebook.com, https://api.sendgrid.com, https://api.mailgun.net, https://api.sms-gate.app
   */
  readonly providerApiBaseUrls?: Partial<ProviderApiBaseUrls>;
  /**
   * An address subscribed to the alarm topic (it must confirm AWS's email).
   *
   * @default - no subscription: subscribe to the topic yourself
   */
  readonly alarmEmail?: string;
  /**
   * The WAF web ACL on the REST API and its limits, or false for none.
   *
   * @default - on, with defaultFloodGuardLimits
   */
  readonly floodGuard?: Partial<FloodGuardLimits> | false;
  /**
   * Days CloudWatch keeps the functions' and APIs' logs, and S3 the body bucket's access log.
   * One of CloudWatch's retention values (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).
   *
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Days every queued request is kept as received, for audit and replay.
   *
   * @default 30
   */
  readonly archiveRetentionDays?: number;
  /**
   * The largest inbound media file kept, in bytes, at most 25 MB (the media function's memory is
   * sized for eight of them at once); larger ones are refused (`too_large`), by their
   * Content-Length and while streaming.
   *
   * @default 26214400 (25 MB)
   */
  readonly mediaMaxBytes?: number;
  /**
   * The content types of inbound media kept, each exact (`application/pdf`) or a family
   * (`image/*`), checked against the type the file's bytes say; others fail `type_not_allowed`.
   * SVG, HTML, XML and scripts are never kept, whatever this says.
   *
   * @default - images, audio, video, PDF, Word, Excel and PowerPoint, text/plain, text/vcard (functions/core/media.ts)
   */
  readonly mediaAllowedTypes?: readonly string[];
  /**
   * Each attempt to fetch a media file, connect to last byte; times the attempts, at most 45 s.
   *
   * @default 15
   */
  readonly mediaFetchTimeoutSeconds?: number;
  /**
   * Attempts per media file on a 5xx, a timeout or a connection error, with exponential backoff
   * and full jitter; a 4xx is final.
   *
   * @default 3
   */
  readonly mediaFetchAttempts?: number;
}

/** The settings with every default filled in, as the constructs take them. */
export interface ResolvedSettings {
  readonly stageName: string;
  readonly ackProvisionedConcurrency: { readonly min: number; readonly max: number };
  readonly publicBaseUrl?: string;
  readonly customDomain?: CustomDomainProps;
  readonly oidc?: OidcProps;
  readonly tokenMaxLifetimeSeconds: number;
  readonly restApiThrottle: StageThrottle;
  readonly webSocketThrottle: StageThrottle;
  /** undefined: no reserved concurrency. */
  readonly reservedConcurrency?: ReservedConcurrency;
  /** undefined: the real APIs, providerApiBaseUrls. */
  readonly providerApiBaseUrls?: ProviderApiBaseUrls;
  readonly alarmEmail?: string;
  /** undefined: no web ACL. */
  readonly floodGuard?: FloodGuardLimits;
  readonly logRetentionDays: number;
  readonly archiveRetentionDays: number;
  readonly mediaMaxBytes: number;
  readonly mediaAllowedTypes: readonly string[];
  readonly mediaFetchTimeoutSeconds: number;
  readonly mediaFetchAttempts: number;
}

export const defaultFloodGuardLimits: FloodGuardLimits = {
  // 333 requests a second from one address for five minutes: providers spread deliveries over
  // many addresses, and a tenant at WhatsApp's 1,000 messages a second is still far below.
  requestsPerIpPer5Minutes: 100_000,
  maxPathBytes: 512,
  maxQueryStringBytes: 2048,
};

/**
 * Far above provider peaks, yet bounded: WhatsApp delivers up to 1,000 messages a second per
 * number, and five such numbers at their peak at once still pass. The bound keeps a flood from
 * many addresses (which the per-address WAF rule lets through) from spending more than half of
 * the account's API Gateway quota in the region (10,000 requests a second, burst 5,000, shared
 * by every API of the account), and with it the Lambda concurrency the ack needs. The burst is
 * the account's own: a stage cannot burst beyond it.
 */
export const defaultRestApiThrottle: StageThrottle = { rateLimit: 5_000, burstLimit: 5_000 };

/**
 * Inbox clients send a ping now and then and a subscribe per conversation opened: 1,000 a
 * second is 30,000 clients pinging every 30 s. The burst absorbs a wave of reconnects after a
 * network blip (connects count too, and API Gateway admits at most 500 new ones a second per
 * account anyway).
 */
export const defaultWebSocketThrottle: StageThrottle = { rateLimit: 1_000, burstLimit: 2_000 };

/**
 * What a token holder can keep busy, capped so that it cannot spend the account's Lambda
 * concurrency (1,000 by default, shared with the ack, the processor and every other function of
 * the account) and so starve the ack. 200 in all leaves 800 of the default quota unreserved.
 */
export const defaultReservedConcurrency: ReservedConcurrency = {
  // 100 long-polls waiting at once (up to 25 s each), or about 2,000 short queries a second.
  query: 100,
  // A connect verifies a token and writes one item (~50 ms): 1,000 a second, above API Gateway's 500.
  connect: 50,
  // A ping or subscribe takes ~10 ms: 2,500 messages a second, above the WebSocket stage's rate.
  socket: 25,
  // An accept is a read and one transaction (~20 ms): about 1,000 sends a second; each `?wait=` holds one up to 10 s.
  send: 25,
};

/** Where the sender and the reconciler call each provider's send API, without a trailing slash. */
export interface ProviderApiBaseUrls {
  readonly twilioApiBaseUrl: string;
  readonly graphApiBaseUrl: string;
  readonly sendgridApiBaseUrl: string;
  readonly mailgunApiBaseUrl: string;
  /** SMS Gateway for Android's cloud server; an endpoint's credentials may name a private server instead. */
  readonly androidGatewayApiBaseUrl: string;
}

/** The providers' send APIs a deployed stack calls; the local stack points its functions at its stand-ins. */
export const providerApiBaseUrls = {
  twilioApiBaseUrl: 'https://api.twilio.com',
  graphApiBaseUrl: 'https://graph.facebook.com',
  sendgridApiBaseUrl: 'https://api.sendgrid.com',
  // Mailgun's US region; a domain in the EU region is sent through https://api.eu.mailgun.net.
  mailgunApiBaseUrl: 'https://api.mailgun.net',
  androidGatewayApiBaseUrl: 'https://api.sms-gate.app',
} as const satisfies ProviderApiBaseUrls;

/** CloudWatch Logs accepts only these retention periods (AWS::Logs::LogGroup RetentionInDays). */
export const logRetentionChoices = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;


const isHttpsUrl = (url: string): boolean => URL.canParse(url) && new URL(url).protocol === 'https:';
const isWholeNumber = (value: number, atLeast: number): boolean => Number.isInteger(value) && value >= atLeast;
/** A content type or a family of them: image/png, image/*, application/vnd.ms-excel. */
const mediaTypePattern = /^[a-z]+\/(\*|[a-z0-9][a-z0-9.+-]*)$/;
const show = (value: unknown): string => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** Fills in the defaults and checks every setting; problems name the setting and its context key. */
export const resolveSettings = (settings: SwitchboardSettings): { settings: ResolvedSettings; problems: string[] } => {
  const problems: string[] = [];
  const check = (holds: boolean, problem: string) => {
    if (!holds) problems.push(problem);
  };
  const {
    stageName = 'prod',
    ackProvisionedConcurrency = 1,
    ackMaxProvisionedConcurrency = Math.max(10, ackProvisionedConcurrency),
    publicBaseUrl,
    customDomain,
    oidc,
    tokenMaxLifetimeSeconds = defaultTokenMaxLifetimeSeconds,
    alarmEmail,
    logRetentionDays = 30,
    archiveRetentionDays = defaultArchiveRetentionDays,
    mediaMaxBytes = defaultMediaLimits.maxBytes,
    mediaAllowedTypes = defaultMediaLimits.allowedTypes,
    mediaFetchTimeoutSeconds = defaultMediaLimits.timeoutMs / 1000,
    mediaFetchAttempts = defaultMediaLimits.attempts,
  } = settings;

  check(/^[A-Za-z0-9_-]{1,128}$/.test(stageName), `stageName (context stage) must be 1 to 128 letters, digits, '-' or '_', got ${show(stageName)}`);
  check(
    isWholeNumber(ackProvisionedConcurrency, 0),
    `ackProvisionedConcurrency must be a whole number, 0 or more (0 turns it off), got ${show(ackProvisionedConcurrency)}`,
  );
  check(
    isWholeNumber(ackMaxProvisionedConcurrency, 1) && ackMaxProvisionedConcurrency >= ackProvisionedConcurrency,
    `ackMaxProvisionedConcurrency must be a whole number no smaller than ackProvisionedConcurrency (${show(ackProvisionedConcurrency)}), got ${show(ackMaxProvisionedConcurrency)}`,
  );
  if (publicBaseUrl !== undefined) {
    check(isHttpsUrl(publicBaseUrl), `publicBaseUrl must be an https:// URL, got ${show(publicBaseUrl)}`);
    check(!publicBaseUrl.endsWith('/'), `publicBaseUrl must not end with '/': webhook paths are appended to it, got ${show(publicBaseUrl)}`);
  }
  if (customDomain !== undefined) {
    check(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(customDomain.domainName),
      `customDomain.domainName (context domainName) must be a lower-case host name such as hooks.example.com, got ${show(customDomain.domainName)}`,
    );
    check(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(customDomain.certificateArn),
      `customDomain.certificateArn (context certificateArn) must be an ACM certificate ARN in the stack's region, got ${show(customDomain.certificateArn)}`,
    );
    check(publicBaseUrl === undefined, 'set publicBaseUrl or customDomain (context domainName), not both: the custom domain is the public URL');
  }
  if (oidc !== undefined) {
    check(isHttpsUrl(oidc.issuer), `oidc.issuer (context jwtIssuer) must be an https:// URL, got ${show(oidc.issuer)}`);
    check(isHttpsUrl(oidc.jwksUrl), `oidc.jwksUrl (context jwksUrl) must be an https:// URL, got ${show(oidc.jwksUrl)}`);
    check(
      (oidc.audience ?? '').trim() !== '',
      `oidc.audience (context jwtAudience) is required with an OIDC issuer: the audience its tokens name in \`aud\` (Cognito: the app client id), without which a token the issuer made for any other application would be accepted, got ${show(oidc.audience)}`,
    );
    check(oidc.tenantClaim?.trim() !== '', "oidc.tenantClaim (context jwtTenantClaim) must not be empty: leave it out for 'tenant'");
  }
  check(
    settingSchemas.tokenMaxLifetimeSeconds.safeParse(tokenMaxLifetimeSeconds).success,
    `tokenMaxLifetimeSeconds (context tokenMaxLifetimeSeconds) must be a whole number of seconds from 60 to ${maxTokenLifetimeSeconds} (7 days), got ${show(tokenMaxLifetimeSeconds)}`,
  );
  const restApiThrottle = { ...defaultRestApiThrottle, ...settings.restApiThrottle };
  const webSocketThrottle = { ...defaultWebSocketThrottle, ...settings.webSocketThrottle };
  for (const [name, prefix, throttle] of [
    ['restApiThrottle', 'restApi', restApiThrottle],
    ['webSocketThrottle', 'webSocket', webSocketThrottle],
  ] as const) {
    // A rate or burst of 0 refuses every request: the API would be off.
    check(isWholeNumber(throttle.rateLimit, 1), `${name}.rateLimit (context ${prefix}RateLimit) must be a whole number of requests a second, 1 or more, got ${show(throttle.rateLimit)}`);
    check(isWholeNumber(throttle.burstLimit, 1), `${name}.burstLimit (context ${prefix}BurstLimit) must be a whole number of requests, 1 or more, got ${show(throttle.burstLimit)}`);
  }
  const reservedConcurrency = settings.reservedConcurrency === false ? undefined : { ...defaultReservedConcurrency, ...settings.reservedConcurrency };
  for (const [name, value] of Object.entries(reservedConcurrency ?? {})) {
    // 0 would throttle every invocation: turning reservation off is reservedConcurrency=false.
    check(isWholeNumber(value, 1), `reservedConcurrency.${name} (context ${name}Concurrency) must be a whole number, 1 or more (reservedConcurrency=false reserves none), got ${show(value)}`);
  }
  const baseUrls = settings.providerApiBaseUrls && { ...providerApiBaseUrls, ...settings.providerApiBaseUrls };
  for (const [name, url] of Object.entries(baseUrls ?? {})) {
    // Credentials travel in these requests: a deployed stack sends them over TLS only.
    check(isHttpsUrl(url) && !url.endsWith('/'), `providerApiBaseUrls.${name} (context ${name}) must be an https:// URL without a trailing '/', got ${show(url)}`);
  }
  if (alarmEmail !== undefined) check(/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail), `alarmEmail must be an email address, got ${show(alarmEmail)}`);
  const floodGuard = settings.floodGuard === false ? undefined : { ...defaultFloodGuardLimits, ...settings.floodGuard };
  if (floodGuard) {
    // WAF's own bounds for a rate-based rule's limit.
    check(
      isWholeNumber(floodGuard.requestsPerIpPer5Minutes, 10) && floodGuard.requestsPerIpPer5Minutes <= 2_000_000_000,
      `floodGuard.requestsPerIpPer5Minutes (context wafRateLimit) must be a whole number from 10 to 2,000,000,000, got ${show(floodGuard.requestsPerIpPer5Minutes)}`,
    );
    check(isWholeNumber(floodGuard.maxPathBytes, 100), `floodGuard.maxPathBytes must be a whole number of at least 100, got ${show(floodGuard.maxPathBytes)}`);
    check(
      isWholeNumber(floodGuard.maxQueryStringBytes, 256),
      `floodGuard.maxQueryStringBytes must be a whole number of at least 256, got ${show(floodGuard.maxQueryStringBytes)}`,
    );
  }
  check(
    (logRetentionChoices as readonly number[]).includes(logRetentionDays),
    `logRetentionDays must be one of CloudWatch's retention periods (${logRetentionChoices.join(', ')}), got ${show(logRetentionDays)}`,
  );
  check(isWholeNumber(archiveRetentionDays, 1), `archiveRetentionDays must be a whole number of days, 1 or more, got ${show(archiveRetentionDays)}`);
  check(
    isWholeNumber(mediaMaxBytes, 1) && mediaMaxBytes <= defaultMediaLimits.maxBytes,
    `mediaMaxBytes must be a whole number of bytes from 1 to ${defaultMediaLimits.maxBytes} (25 MB, what the media function's memory holds), got ${show(mediaMaxBytes)}`,
  );
  check(
    mediaAllowedTypes.length > 0 && mediaAllowedTypes.every((type) => mediaTypePattern.test(type)),
    `mediaAllowedTypes (context mediaAllowedTypes, comma-separated) must list content types such as image/* or application/pdf, got ${show(mediaAllowedTypes)}`,
  );
  check(
    isWholeNumber(mediaFetchTimeoutSeconds, 1) && isWholeNumber(mediaFetchAttempts, 1) && mediaFetchTimeoutSeconds * mediaFetchAttempts <= 45,
    `mediaFetchTimeoutSeconds and mediaFetchAttempts must be whole numbers, 1 or more, whose product is at most 45 s (the media function's timeout holds three rounds of it), got ${show(mediaFetchTimeoutSeconds)} and ${show(mediaFetchAttempts)}`,
  );

  return {
    settings: {
      stageName,
      ackProvisionedConcurrency: { min: ackProvisionedConcurrency, max: ackMaxProvisionedConcurrency },
      ...(publicBaseUrl !== undefined && { publicBaseUrl }),
      ...(customDomain && { customDomain }),
      ...(oidc && { oidc }),
      tokenMaxLifetimeSeconds,
      restApiThrottle,
      webSocketThrottle,
      ...(reservedConcurrency && { reservedConcurrency }),
      ...(baseUrls && { providerApiBaseUrls: baseUrls }),
      ...(alarmEmail !== undefined && { alarmEmail }),
      ...(floodGuard && { floodGuard }),
      logRetentionDays,
      archiveRetentionDays,
      mediaMaxBytes,
      mediaAllowedTypes,
      mediaFetchTimeoutSeconds,
      mediaFetchAttempts,
    },
    problems,
  };
};

/**
 * The settings given as CDK context (`-c key=value`, or cdk.json). `-c` always gives strings,
 * cdk.json may give numbers and booleans: both are accepted, anything else is a problem.
 */
export const settingsFromContext = (context: (key: string) => unknown): { stackName: string; settings: SwitchboardSettings; problems: string[] } => {
  const problems: string[] = [];
  const string = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || typeof value === 'string') return value;
    problems.push(`context ${key} must be a string, got ${show(value)}`);
    return undefined;
  };
  const number = (key: string): number | undefined => {
    const value = context(key);
    if (value === undefined || typeof value === 'number') return value;
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (Number.isNaN(parsed)) problems.push(`context ${key} must be a number, got ${show(value)}`);
    return Number.isNaN(parsed) ? undefined : parsed;
  };
  const boolean = (key: string): boolean | undefined => {
    const value = context(key);
    if (value === undefined || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`context ${key} must be true or false, got ${show(value)}`);
    return undefined;
  };

  // Any of the OIDC keys turns the issuer on, and resolveSettings checks the set.
  const oidc = { issuer: string('jwtIssuer'), jwksUrl: string('jwksUrl'), audience: string('jwtAudience'), tenantClaim: string('jwtTenantClaim') };
  const domain = { domainName: string('domainName'), certificateArn: string('certificateArn') };
  if ((domain.domainName === undefined) !== (domain.certificateArn === undefined)) {
    problems.push('context domainName and certificateArn go together: the custom domain needs its ACM certificate');
  }
  const waf = boolean('waf');
  const wafRateLimit = number('wafRateLimit');
  const defined = <T extends object>(entries: T): Partial<T> =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<T>;
  /** Keys that make one setting together: the ones given, or undefined when none is. */
  const someOf = <T extends object>(entries: T): Partial<T> | undefined => {
    const given = defined(entries);
    return Object.keys(given).length > 0 ? given : undefined;
  };
  const throttleOf = (prefix: string) => someOf({ rateLimit: number(`${prefix}RateLimit`), burstLimit: number(`${prefix}BurstLimit`) });
  const reserving = boolean('reservedConcurrency');
  const reserved = someOf({
    query: number('queryConcurrency'),
    connect: number('connectConcurrency'),
    socket: number('socketConcurrency'),
    send: number('sendConcurrency'),
  });

  return {
    stackName: string('stackName') ?? 'Switchboard',
    settings: defined({
      stageName: string('stage'),
      ackProvisionedConcurrency: number('ackProvisionedConcurrency'),
      ackMaxProvisionedConcurrency: number('ackMaxProvisionedConcurrency'),
      publicBaseUrl: string('publicBaseUrl'),
      customDomain:
        domain.domainName !== undefined && domain.certificateArn !== undefined
          ? { domainName: domain.domainName, certificateArn: domain.certificateArn }
          : undefined,
      oidc: Object.values(oidc).some((value) => value !== undefined)
        ? { ...defined(oidc), issuer: oidc.issuer ?? '', jwksUrl: oidc.jwksUrl ?? '', audience: oidc.audience ?? '' }
        : undefined,
      tokenMaxLifetimeSeconds: number('tokenMaxLifetimeSeconds'),
      restApiThrottle: throttleOf('restApi'),
      webSocketThrottle: throttleOf('webSocket'),
      reservedConcurrency: reserving === false ? false : reserved,
      providerApiBaseUrls: someOf(
        Object.fromEntries(Object.keys(providerApiBaseUrls).map((key) => [key, string(key)])) as Partial<Record<keyof ProviderApiBaseUrls, string>>,
      ),
      alarmEmail: string('alarmEmail'),
      floodGuard: waf === false ? false : wafRateLimit !== undefined ? { requestsPerIpPer5Minutes: wafRateLimit } : undefined,
      logRetentionDays: number('logRetentionDays'),
      archiveRetentionDays: number('archiveRetentionDays'),
      mediaMaxBytes: number('mediaMaxBytes'),
      mediaAllowedTypes: string('mediaAllowedTypes')?.split(',').map((type) => type.trim()),
      mediaFetchTimeoutSeconds: number('mediaFetchTimeoutSeconds'),
      mediaFetchAttempts: number('mediaFetchAttempts'),
    }),
    problems,
  };
};

/** Whether the functions check inbox tokens with the stack's own secret or an OIDC issuer's keys. */
export const tokenModeOf = (settings: ResolvedSettings): TokenMode => (settings.oidc ? 'oidc' : 'sharedSecret');

/**
 * The values of the settings functions are given (lib/definitions/functions.ts), as their
 * variables carry them; the issuer's are unset on a stack that signs its own tokens. The local
 * runtime overrides what differs on a laptop: a shortened visibility timeout, and the provider
 * stand-ins' http://127.0.0.1 URLs, which a deployed stack's https check would refuse.
 */
export const settingValuesOf = (
  settings: ResolvedSettings,
  {
    ingestVisibilityTimeoutSeconds = ingestQueueSettings.visibilityTimeoutSeconds,
    ...apiBaseUrls
  }: { ingestVisibilityTimeoutSeconds?: number } & Partial<ProviderApiBaseUrls> = {},
): Record<SettingId, string | undefined> => ({
  tokenMaxLifetimeSeconds: String(settings.tokenMaxLifetimeSeconds),
  jwtIssuer: settings.oidc?.issuer,
  jwksUrl: settings.oidc?.jwksUrl,
  jwtAudience: settings.oidc?.audience,
  jwtTenantClaim: settings.oidc && (settings.oidc.tenantClaim ?? 'tenant'),
  ingestVisibilityTimeoutSeconds: String(ingestVisibilityTimeoutSeconds),
  mediaMaxBytes: String(settings.mediaMaxBytes),
  mediaAllowedTypes: settings.mediaAllowedTypes.join(','),
  mediaFetchTimeoutSeconds: String(settings.mediaFetchTimeoutSeconds),
  mediaFetchAttempts: String(settings.mediaFetchAttempts),
  ...(settings.providerApiBaseUrls ?? providerApiBaseUrls),
  ...Object.fromEntries(Object.entries(apiBaseUrls).filter(([, url]) => url !== undefined)),
});
