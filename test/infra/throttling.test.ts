import { describe, expect, it } from 'vitest';
import { defaultReservedConcurrency, defaultRestApiThrottle, defaultWebSocketThrottle } from '../../lib/config.ts';
import { synthesize } from '../helpers/synth.ts';

/** What keeps one caller or one flood from spending the account's shared API Gateway and Lambda capacity. */

describe('stage throttling', () => {
  it('throttles every method of the REST API stage, and the WebSocket stage, by the defaults', () => {
    // Act
    const { template } = synthesize();

    // Assess
    expect(defaultRestApiThrottle).toEqual({ rateLimit: 5_000, burstLimit: 5_000 });
    expect(defaultWebSocketThrottle).toEqual({ rateLimit: 1_000, burstLimit: 2_000 });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [{ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 5_000, ThrottlingBurstLimit: 5_000, MetricsEnabled: true, LoggingLevel: 'ERROR', DataTraceEnabled: false }],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 1_000, ThrottlingBurstLimit: 2_000 } });
  });

  it('throttles as configured', () => {
    const { template } = synthesize({ restApiThrottle: { rateLimit: 800 }, webSocketThrottle: { rateLimit: 50, burstLimit: 100 } });

    template.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [{ ThrottlingRateLimit: 800, ThrottlingBurstLimit: 5_000 }] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
  });
});

describe('reserved concurrency', () => {
  it('caps the query, $connect, client-message and send functions, and never the ack, whose verified traffic is not throttled for load', () => {
    // Prepare
    const { resource, stack } = synthesize();
    const reserved = (fn: Parameters<typeof resource>[0]) => resource(fn).Properties.ReservedConcurrentExecutions as number | undefined;

    // Act
    const byFunction = {
      query: reserved(stack.query.queryFunction),
      connect: reserved(stack.realtime.connectFunction),
      socket: reserved(stack.realtime.socketFunction),
      send: reserved(stack.sending.sendFunction),
      ack: reserved(stack.ingest.ackFunction),
      sender: reserved(stack.sending.senderFunction),
    };

    // Assess
    expect(defaultReservedConcurrency).toEqual({ query: 100, connect: 50, socket: 25, send: 25 });
    expect(byFunction).toEqual({ query: 100, connect: 50, socket: 25, send: 25, ack: undefined, sender: undefined });
  });

  it('reserves as configured, and nothing when turned off', () => {
    const configured = synthesize({ reservedConcurrency: { query: 10, send: 5 } });
    const off = synthesize({ reservedConcurrency: false });

    expect(configured.resource(configured.stack.query.queryFunction).Properties.ReservedConcurrentExecutions).toBe(10);
    expect(configured.resource(configured.stack.realtime.connectFunction).Properties.ReservedConcurrentExecutions).toBe(50);
    expect(configured.resource(configured.stack.sending.sendFunction).Properties.ReservedConcurrentExecutions).toBe(5);
    expect(JSON.stringify(off.template.toJSON())).not.toContain('ReservedConcurrentExecutions');
  });
});
