import { describe, expect, it } from 'vitest';
import { newEndpointId } from '../../functions/core/ids.ts';
import { providerNames } from '../../functions/providers/registry.ts';
import { defaultFloodGuardLimits } from '../../lib/config.ts';
import { routablePathPatterns } from '../../lib/constructs/flood-guard.ts';
import { localTriggers } from '../../lib/local/stack.ts';
import { synthesize } from '../helpers/synth.ts';

/** The WAF web ACL in front of the REST API: on by default, off by configuration, never in the way of a provider. */

const webAclOf = (template: ReturnType<typeof synthesize>['template']) => Object.values(template.findResources('AWS::WAFv2::WebACL'));

/** WAF matches a request when any expression of the set matches; JavaScript's regular expressions read these the same way. */
const routable = (path: string) => routablePathPatterns.some((pattern) => new RegExp(pattern).test(path));

describe('flood guard', () => {
  it('guards the REST stage with a regional web ACL by default, allowing what no rule refuses', () => {
    // Prepare
    const { template, stack, logicalId } = synthesize();

    // Act
    const acls = webAclOf(template);
    const associations = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));

    // Assess
    expect(acls).toHaveLength(1);
    expect(acls[0]?.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    expect(associations).toHaveLength(1);
    const stageArn = JSON.stringify(associations[0]?.Properties.ResourceArn);
    expect(stageArn).toContain(JSON.stringify({ Ref: logicalId(stack.ingest.api) }));
    expect(stageArn).toContain(`"/stages/",${JSON.stringify({ Ref: logicalId(stack.ingest.api.deploymentStage) })}`);
  });

  it('refuses paths that are not routes, oversized paths and query strings, then rate-limits each source IP with 429', () => {
    // Prepare
    const { template } = synthesize();

    // Act
    const rules = webAclOf(template)[0]?.Properties.Rules as { Name: string; Priority: number; Action: unknown; Statement: any }[];

    // Assess
    expect(rules.map(({ Name, Priority, Action }) => ({ Name, Priority, Action }))).toEqual([
      { Name: 'PathIsNotARoute', Priority: 0, Action: { Block: {} } },
      { Name: 'OversizedPathOrQuery', Priority: 1, Action: { Block: {} } },
      { Name: 'RatePerSourceIp', Priority: 2, Action: { Block: { CustomResponse: { ResponseCode: 429 } } } },
    ]);
    expect(rules[0]?.Statement.NotStatement.Statement.RegexPatternSetReferenceStatement.FieldToMatch).toEqual({ UriPath: {} });
    expect(rules[1]?.Statement.OrStatement.Statements.map((statement: any) => statement.SizeConstraintStatement)).toEqual([
      expect.objectContaining({ FieldToMatch: { UriPath: {} }, ComparisonOperator: 'GT', Size: defaultFloodGuardLimits.maxPathBytes }),
      expect.objectContaining({ FieldToMatch: { QueryString: {} }, ComparisonOperator: 'GT', Size: defaultFloodGuardLimits.maxQueryStringBytes }),
    ]);
    expect(rules[2]?.Statement.RateBasedStatement).toEqual({ AggregateKeyType: 'IP', Limit: 100_000, EvaluationWindowSec: 300 });
    template.hasResourceProperties('AWS::WAFv2::RegexPatternSet', { Scope: 'REGIONAL', RegularExpressionList: [...routablePathPatterns] });
  });

  it('takes its rate limit from the configuration, and leaves the API bare when turned off', () => {
    // Prepare
    const tuned = synthesize({ floodGuard: { requestsPerIpPer5Minutes: 500_000 } });

    // Act
    const off = synthesize({ floodGuard: false });

    // Assess
    expect(JSON.stringify(webAclOf(tuned.template)[0]?.Properties.Rules)).toContain('"Limit":500000');
    expect(webAclOf(off.template)).toHaveLength(0);
    off.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it.each(providerNames)('lets every %s webhook path through, with or without the stage in front', (provider) => {
    // Prepare
    const endpointId = newEndpointId();

    // Act
    const paths = [`/prod/webhooks/${provider}/${endpointId}`, `/webhooks/${provider}/${endpointId}`, `/v1/webhooks/${provider}/${endpointId}/`];

    // Assess
    for (const path of paths) expect(routable(path), path).toBe(true);
  });

  it('lets every route the definitions declare through, with the stage in front', () => {
    // Prepare
    const paths = localTriggers().http.map(({ resource }) => `/prod${resource.replaceAll(/\{[^}]+\}/g, 'abc')}`);

    // Act
    const refused = paths.filter((path) => !routable(path));

    // Assess
    expect(paths).toContain('/prod/messages');
    expect(refused).toEqual([]);
  });

  it('lets the query, send and health routes through, and refuses what scanners try', () => {
    // Prepare
    const routes = ['/prod/health', '/health', '/prod/events', '/prod/conversations', '/prod/conversations/c_1-a/messages', '/prod/messages'];
    const probes = ['/', '/.env', '/wp-login.php', '/prod/webhooks/twilio', '/prod/webhooks/twilio/ep_1/../../etc/passwd', '/prod/admin', '/a/b/health'];

    // Act
    const verdicts = Object.fromEntries([...routes, ...probes].map((path) => [path, routable(path)]));

    // Assess
    expect(verdicts).toEqual(Object.fromEntries([...routes.map((path) => [path, true]), ...probes.map((path) => [path, false])]));
  });
});
