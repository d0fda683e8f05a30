import type { FloodGuardLimits } from './constructs/flood-guard.ts';
import type { CustomDomainProps } from './constructs/ingest.ts';
import type { OidcProps } from './constructs/realtime.ts';
import { archiveRetentionDays as defaultArchiveRetentionDays } from './definitions/pipeline.ts';

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
}

/** The settings with every default filled in, as the constructs take them. */
export interface ResolvedSettings {
  readonly stageName: string;
  readonly ackProvisionedConcurrency: { readonly min: number; readonly max: number };
  readonly publicBaseUrl?: string;
  readonly customDomain?: CustomDomainProps;
  readonly oidc?: OidcProps;
  readonly alarmEmail?: string;
  /** undefined: no web ACL. */
  readonly floodGuard?: FloodGuardLimits;
  readonly logRetentionDays: number;
  readonly archiveRetentionDays: number;
}

export const defaultFloodGuardLimits: FloodGuardLimits = {
  // 333 requests a second from one address for five minutes: providers spread deliveries over
  // many addresses, and a tenant at WhatsApp's 1,000 messages a second is still far below.
  requestsPerIpPer5Minutes: 100_000,
  maxPathBytes: 512,
  maxQueryStringBytes: 2048,
};

/** CloudWatch Logs accepts only these retention periods (AWS::Logs::LogGroup RetentionInDays). */
export const logRetentionChoices = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Thrown at synth with every problem of the configuration, one per line. */
export class ConfigurationError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Switchboard's configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

const isHttpsUrl = (url: string): boolean => URL.canParse(url) && new URL(url).protocol === 'https:';
const isWholeNumber = (value: number, atLeast: number): boolean => Number.isInteger(value) && value >= atLeast;
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
    alarmEmail,
    logRetentionDays = 30,
    archiveRetentionDays = defaultArchiveRetentionDays,
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
    check(oidc.audience?.trim() !== '', 'oidc.audience (context jwtAudience) must not be empty: leave it out to skip the audience check');
    check(oidc.tenantClaim?.trim() !== '', "oidc.tenantClaim (context jwtTenantClaim) must not be empty: leave it out for 'tenant'");
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

  return {
    settings: {
      stageName,
      ackProvisionedConcurrency: { min: ackProvisionedConcurrency, max: ackMaxProvisionedConcurrency },
      ...(publicBaseUrl !== undefined && { publicBaseUrl }),
      ...(customDomain && { customDomain }),
      ...(oidc && { oidc }),
      ...(alarmEmail !== undefined && { alarmEmail }),
      ...(floodGuard && { floodGuard }),
      logRetentionDays,
      archiveRetentionDays,
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
        ? { ...defined(oidc), issuer: oidc.issuer ?? '', jwksUrl: oidc.jwksUrl ?? '' }
        : undefined,
      alarmEmail: string('alarmEmail'),
      floodGuard: waf === false ? false : wafRateLimit !== undefined ? { requestsPerIpPer5Minutes: wafRateLimit } : undefined,
      logRetentionDays: number('logRetentionDays'),
      archiveRetentionDays: number('archiveRetentionDays'),
    }),
    problems,
  };
};
