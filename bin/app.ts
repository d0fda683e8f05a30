import { App } from 'aws-cdk-lib';
import { SwitchboardStack } from '../lib/switchboard-stack.ts';

const app = new App();

const stringContext = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined ? undefined : String(value);
};

// `-c key=value` arrives as a string, cdk.json may hold a number.
const numberContext = (key: string): number | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || typeof value === 'number') return value;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw new Error(`context ${key} must be a number, got ${JSON.stringify(value)}`);
  return parsed;
};

// An OIDC issuer for WebSocket tokens: `-c jwtIssuer=https://… -c jwksUrl=https://…` (with
// optional jwtAudience and jwtTenantClaim); any of them turns it on, and the stack checks the set.
const oidcContext = {
  issuer: stringContext('jwtIssuer'),
  jwksUrl: stringContext('jwksUrl'),
  audience: stringContext('jwtAudience'),
  tenantClaim: stringContext('jwtTenantClaim'),
};
const oidc = Object.values(oidcContext).some((value) => value !== undefined)
  ? { ...oidcContext, issuer: oidcContext.issuer ?? '', jwksUrl: oidcContext.jwksUrl ?? '' }
  : undefined;

new SwitchboardStack(app, stringContext('stackName') ?? 'Switchboard', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  stageName: stringContext('stage'),
  ackProvisionedConcurrency: numberContext('ackProvisionedConcurrency'),
  publicBaseUrl: stringContext('publicBaseUrl'),
  oidc,
  alarmEmail: stringContext('alarmEmail'),
});
