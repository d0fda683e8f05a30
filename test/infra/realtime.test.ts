import { describe, expect, it } from 'vitest';
import type { OidcProps } from '../../lib/constructs/realtime.ts';
import { synthesize } from '../helpers/synth.ts';

const cognito: OidcProps = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json',
  audience: '4s1l2b3c4d5e6f7g8h9i0j',
  tenantClaim: 'custom:tenant',
};

describe('realtime: client messages', () => {
  it('routes $default to the socket function, which is told the table and the @connections endpoint', () => {
    // Prepare
    const { template, logicalId, variablesOf, stack } = synthesize({ stageName: 'v1' });
    const { socketFunction } = stack.realtime;

    // Act
    const integration = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([, resource]) =>
      JSON.stringify(resource.Properties.IntegrationUri).includes(logicalId(socketFunction)),
    )?.[0];

    // Assess
    expect(integration).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
    });
    expect(Object.keys(variablesOf(socketFunction)).sort()).toEqual(
      ['CONNECTIONS_TABLE', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'WEBSOCKET_MANAGEMENT_ENDPOINT'].sort(),
    );
  });

  it('lets the socket function update connection records and post to connections of its own stage, and nothing else', () => {
    const { logicalId, statementsOf, grantedActions, stack } = synthesize({ stageName: 'v1' });

    const statements = statementsOf(stack.realtime.socketFunction.role!);

    expect(grantedActions(stack.realtime.socketFunction.role!)).toEqual(['dynamodb:UpdateItem', 'execute-api:ManageConnections']);
    const update = statements.find((statement) => statement.Action.includes('dynamodb:UpdateItem'));
    expect(JSON.stringify(update?.Resource)).toContain(logicalId(stack.storage.connectionsTable));
    expect(JSON.stringify(update?.Resource)).not.toContain(logicalId(stack.storage.messagesTable));
    const manage = statements.find((statement) => statement.Action.includes('execute-api:ManageConnections'));
    expect(JSON.stringify(manage?.Resource)).toContain(JSON.stringify({ Ref: logicalId(stack.realtime.webSocketApi) }));
    expect(JSON.stringify(manage?.Resource)).toContain('/v1/*/@connections/*');
  });
});

describe('realtime: the broadcaster', () => {
  it("may reserve numbers in and write to the feed table, told its name, and nothing more of it", () => {
    const { logicalId, statementsOf, variablesOf, stack } = synthesize();
    const feed = logicalId(stack.storage.feedTable);

    const statements = statementsOf(stack.realtime.broadcasterFunction.role!).filter((statement) => JSON.stringify(statement.Resource).includes(feed));

    expect(statements.flatMap((statement) => statement.Action).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(statements.flatMap((statement) => [statement.Resource].flat())).toEqual([{ 'Fn::GetAtt': [feed, 'Arn'] }]);
    expect(variablesOf(stack.realtime.broadcasterFunction).FEED_TABLE).toEqual({ Ref: feed });
  });
});

describe('realtime: tokens', () => {
  it('verifies with the shared secret by default, for tokens of at most 24 h', () => {
    const { variablesOf, statementsOf, stack } = synthesize();

    const variables = variablesOf(stack.realtime.connectFunction);

    expect(Object.keys(variables)).toContain('JWT_SECRET_ARN');
    expect(variables.JWT_MAX_LIFETIME_SECONDS).toBe('86400');
    expect(Object.keys(variables)).not.toContain('JWT_ISSUER');
    expect(statementsOf(stack.realtime.connectFunction.role!).flatMap((statement) => statement.Action)).toContain('secretsmanager:GetSecretValue');
  });

  it("verifies against an OIDC issuer's JWKS when one is configured, without access to the shared secret", () => {
    const { variablesOf, statementsOf, stack } = synthesize({ oidc: cognito });

    const variables = variablesOf(stack.realtime.connectFunction);

    expect(variables).toMatchObject({
      JWT_ISSUER: cognito.issuer,
      JWKS_URL: cognito.jwksUrl,
      JWT_AUDIENCE: cognito.audience,
      JWT_TENANT_CLAIM: 'custom:tenant',
    });
    expect(Object.keys(variables)).not.toContain('JWT_SECRET_ARN');
    expect(statementsOf(stack.realtime.connectFunction.role!).flatMap((statement) => statement.Action)).not.toContain(
      'secretsmanager:GetSecretValue',
    );
  });

  it('checks the query API\'s tokens exactly as $connect does, with or without an issuer', () => {
    const bySecret = synthesize();
    const byIssuer = synthesize({ oidc: cognito });
    const tokenVariables = (variables: Record<string, unknown>) => Object.fromEntries(Object.entries(variables).filter(([name]) => name.startsWith('JWT') || name === 'JWKS_URL'));

    for (const { variablesOf, statementsOf, stack } of [bySecret, byIssuer]) {
      expect(tokenVariables(variablesOf(stack.query.queryFunction))).toEqual(tokenVariables(variablesOf(stack.realtime.connectFunction)));
      const reads = (fn: typeof stack.query.queryFunction) => statementsOf(fn.role!).flatMap((statement) => statement.Action).includes('secretsmanager:GetSecretValue');
      expect(reads(stack.query.queryFunction)).toBe(reads(stack.realtime.connectFunction));
    }
  });

  it("holds $connect's and the query API's shared-secret tokens to tokenMaxLifetimeSeconds, which the CLI reads from an output", () => {
    const { template, variablesOf, stack } = synthesize({ tokenMaxLifetimeSeconds: 3600 });

    for (const fn of [stack.realtime.connectFunction, stack.query.queryFunction]) expect(variablesOf(fn).JWT_MAX_LIFETIME_SECONDS).toBe('3600');
    template.hasOutput('TokenMaxLifetimeSeconds', { Value: '3600' });
  });

  it("reads the tenant from the 'tenant' claim unless told, and always checks the audience", () => {
    const { variablesOf, stack } = synthesize({ oidc: { issuer: cognito.issuer, jwksUrl: cognito.jwksUrl, audience: cognito.audience } });

    const variables = variablesOf(stack.realtime.connectFunction);

    expect(variables.JWT_TENANT_CLAIM).toBe('tenant');
    expect(variables.JWT_AUDIENCE).toBe(cognito.audience);
    // The issuer sets its own tokens' lifetime.
    expect(Object.keys(variables)).not.toContain('JWT_MAX_LIFETIME_SECONDS');
  });

  it('refuses an OIDC issuer without an audience at synth, naming the context key', () => {
    const withoutAudience = { issuer: cognito.issuer, jwksUrl: cognito.jwksUrl } as OidcProps;

    expect(() => synthesize({ oidc: withoutAudience })).toThrow('oidc.audience (context jwtAudience) is required with an OIDC issuer');
  });

  it.each([
    [{ ...cognito, issuer: '' }, 'oidc.issuer (context jwtIssuer) must be an https:// URL, got ""'],
    [{ ...cognito, issuer: 'http://keycloak.internal/realms/inbox' }, 'oidc.issuer (context jwtIssuer) must be an https:// URL'],
    [{ ...cognito, jwksUrl: 'not a url' }, 'oidc.jwksUrl (context jwksUrl) must be an https:// URL, got "not a url"'],
    [{ ...cognito, audience: ' ' }, 'oidc.audience (context jwtAudience) is required with an OIDC issuer'],
    [{ ...cognito, tenantClaim: '' }, 'oidc.tenantClaim (context jwtTenantClaim) must not be empty'],
  ])('refuses %j at synth', (oidc, message) => {
    expect(() => synthesize({ oidc })).toThrow(message);
  });
});
