import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SwitchboardStack } from '../../lib/switchboard-stack.ts';

/** What an inbox hosted on another origin needs of the REST API: CORS preflights for the query routes. */

describe('CORS for the inbox', () => {
  it('sends each query route\'s OPTIONS, without authorization, to the query function that answers the preflight', () => {
    // Prepare: nothing is bundled, these tests read the template only.
    const stack = new SwitchboardStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Switchboard');
    const template = Template.fromStack(stack);
    const queryFunction = stack.getLogicalId(stack.query.queryFunction.node.defaultChild as CfnElement);

    // Act
    const preflights = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }));

    // Assess
    // A mock integration would answer 500 on this API, which treats every media type as binary.
    expect(preflights).toHaveLength(3);
    for (const preflight of preflights) {
      expect(preflight.Properties).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
      expect(JSON.stringify(preflight.Properties.Integration.Uri)).toContain(queryFunction);
    }
  });
});
