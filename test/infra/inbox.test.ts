import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { FunctionName } from '../../lib/definitions/functions.ts';
import { localTriggers } from '../../lib/local/stack.ts';
import { SwitchboardStack } from '../../lib/switchboard-stack.ts';

/** What an inbox hosted on another origin needs of the REST API: CORS preflights for the query and send routes. */

describe('CORS for the inbox', () => {
  it('sends each declared OPTIONS, without authorization, to the function that answers the preflight', () => {
    // Prepare: nothing is bundled, these tests read the template only.
    const stack = new SwitchboardStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Switchboard');
    const template = Template.fromStack(stack);
    const logicalIdOf = (name: FunctionName) => stack.getLogicalId(stack.functions[name].node.defaultChild as CfnElement);
    const declared = localTriggers().http.filter(({ method }) => method === 'OPTIONS');

    // Act
    const preflights = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }));

    // Assess
    // A mock integration would answer 500 on this API, which treats every media type as binary.
    expect(preflights).toHaveLength(declared.length);
    expect(declared.filter(({ functionName }) => functionName === 'query')).toHaveLength(5);
    for (const preflight of preflights) {
      expect(preflight.Properties).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
      const answeredBy = declared.filter(({ functionName }) => JSON.stringify(preflight.Properties.Integration.Uri).includes(logicalIdOf(functionName)));
      expect(answeredBy.length).toBeGreaterThan(0);
    }
  });
});
