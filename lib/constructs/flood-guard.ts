import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnRegexPatternSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * The limits of the flood guard, each far above what a provider sends (README: Flood guard).
 * Bodies are not among them: WAF sees only the first 8 KB of a body on a regional API, and
 * larger bodies are legitimate (email); the ack function answers 413 above 4 MiB.
 */
export interface FloodGuardLimits {
  /** Requests one source IP may make in any 5 minutes; above it, that IP gets 429 until it slows. */
  readonly requestsPerIpPer5Minutes: number;
  /** Longest URI path let through, in bytes: a webhook path is under 100. */
  readonly maxPathBytes: number;
  /** Longest query string let through, in bytes: Meta's handshake sends about 150. */
  readonly maxQueryStringBytes: number;
}

export interface FloodGuardProps {
  /** The REST API stage the web ACL guards. */
  readonly stage: Stage;
  readonly limits: FloodGuardLimits;
}

/**
 * Paths API Gateway can route, with or without the stage in front (a custom domain drops it).
 * Anything else is a scanner's guess and never reaches API Gateway's routing, let alone Lambda.
 */
export const routablePathPatterns = [
  '^(/[^/]+)?/webhooks/[a-z]+/[A-Za-z0-9_-]{1,100}/?$',
  '^(/[^/]+)?/(health|events|messages|media|stats|webhooks/recent|conversations|conversations/[^/]+/messages)/?$',
] as const;

const visibility = (metricName: string) => ({ metricName, cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true });

/**
 * A WAF web ACL on the REST API stage: a flood guard, not a filter of verified traffic. Its
 * rules only refuse what no provider sends (paths that are not routes, oversized paths and
 * query strings) and a single source far above any provider's rate. AWS's managed rule groups
 * are left out on purpose: their body rules block legitimate webhooks (the common rule set
 * refuses bodies over 8 KB, and email webhooks carry HTML and attachments).
 */
export class FloodGuard extends Construct {
  public readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: FloodGuardProps) {
    super(scope, id);
    const { limits } = props;
    const routes = new CfnRegexPatternSet(this, 'RoutablePaths', {
      scope: 'REGIONAL',
      description: 'Switchboard: paths the REST API routes',
      regularExpressionList: [...routablePathPatterns],
    });
    const tooLong = (fieldToMatch: CfnWebACL.FieldToMatchProperty, size: number): CfnWebACL.StatementProperty => ({
      sizeConstraintStatement: { fieldToMatch, comparisonOperator: 'GT', size, textTransformations: [{ priority: 0, type: 'NONE' }] },
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Switchboard flood guard',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('SwitchboardFloodGuard'),
      rules: [
        {
          name: 'PathIsNotARoute',
          priority: 0,
          action: { block: {} },
          statement: {
            notStatement: {
              statement: {
                regexPatternSetReferenceStatement: {
                  arn: routes.attrArn,
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: visibility('PathIsNotARoute'),
        },
        {
          name: 'OversizedPathOrQuery',
          priority: 1,
          action: { block: {} },
          statement: {
            orStatement: {
              statements: [tooLong({ uriPath: {} }, limits.maxPathBytes), tooLong({ queryString: {} }, limits.maxQueryStringBytes)],
            },
          },
          visibilityConfig: visibility('OversizedPathOrQuery'),
        },
        {
          name: 'RatePerSourceIp',
          priority: 2,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: limits.requestsPerIpPer5Minutes, evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RatePerSourceIp'),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'Association', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
