import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  commonEnvironment,
  functionDefinitions,
  functionNames,
  isQueueTrigger,
  type FunctionName,
  type Trigger,
  type Variable,
} from '../../lib/definitions/functions.ts';
import { redrivenQueues } from '../../lib/definitions/pipeline.ts';
import { localTriggers } from '../../lib/local/stack.ts';
import { queryRoutes } from '../../functions/query/routes.ts';
import { synthesize } from '../helpers/synth.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Synthesized = ReturnType<typeof synthesize>;

/** The function a template value (an ARN, a URI, a reference) points at, through its alias too. */
const functionIn = (value: unknown, synthesized: Synthesized, resources: Resources): FunctionName => {
  const text = JSON.stringify(value);
  const aliases = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Alias');
  const named = functionNames.filter((name) => {
    const logicalId = synthesized.logicalId(synthesized.stack.functions[name]);
    return text.includes(`"${logicalId}"`) || aliases.some(([aliasId, alias]) => text.includes(`"${aliasId}"`) && JSON.stringify(alias.Properties.FunctionName).includes(`"${logicalId}"`));
  });
  if (named.length !== 1) throw new Error(`${text} names ${named.length} functions`);
  return named[0] as FunctionName;
};

/** The path of an API Gateway resource, from its parts up to the root. */
const pathOf = (resourceId: unknown, resources: Resources): string => {
  const logicalId = (resourceId as { Ref?: string }).Ref;
  const resource = logicalId ? resources[logicalId] : undefined;
  if (!resource || resource.Type !== 'AWS::ApiGateway::Resource') return '';
  return `${pathOf(resource.Properties.ParentId, resources)}/${String(resource.Properties.PathPart)}`;
};

/** Every trigger in the template, in the local runtime's terms. */
const templateTriggers = (synthesized: Synthesized) => {
  const resources = synthesized.template.toJSON().Resources as Resources;
  const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);
  const integrations = Object.fromEntries(Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Integration'));
  const mappings = ofType('AWS::Lambda::EventSourceMapping');
  const sourceIs = (mapping: (typeof mappings)[number], kind: 'queue' | 'stream') => JSON.stringify(mapping.Properties.EventSourceArn).includes(kind === 'queue' ? 'Queue' : 'StreamArn');
  const queueOf = (arn: unknown): string => {
    const text = JSON.stringify(arn);
    const { ingest, realtime, sending } = synthesized.stack;
    const queues = {
      ingest: ingest.queue,
      deadLetter: ingest.deadLetterQueue,
      broadcastFailures: realtime.broadcastFailureQueue,
      ...Object.fromEntries(Object.entries(sending.queues).flatMap(([id, { queue, deadLetterQueue }]) => [[id, queue], [`${id}DeadLetter`, deadLetterQueue]])),
    };
    return Object.entries(queues).find(([, queue]) => text.includes(`"${synthesized.logicalId(queue)}"`))?.[0] ?? text;
  };
  const tableOf = (arn: unknown): string =>
    Object.entries(synthesized.stack.storage.tables).find(([, table]) => JSON.stringify(arn).includes(`"${synthesized.logicalId(table)}"`))?.[0] ?? '';
  return {
    http: ofType('AWS::ApiGateway::Method').map((method) => ({
      method: method.Properties.HttpMethod,
      resource: pathOf(method.Properties.ResourceId, resources),
      functionName: functionIn((method.Properties.Integration as { Uri: unknown }).Uri, synthesized, resources),
    })),
    webSocket: ofType('AWS::ApiGatewayV2::Route').map((route) => {
      const integrationId = JSON.stringify(route.Properties.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
      return { routeKey: route.Properties.RouteKey, functionName: functionIn(integrations[integrationId]?.Properties.IntegrationUri, synthesized, resources) };
    }),
    queues: mappings
      .filter((mapping) => sourceIs(mapping, 'queue'))
      .map(({ Properties: mapping }) => ({
        functionName: functionIn(mapping.FunctionName, synthesized, resources),
        queue: queueOf(mapping.EventSourceArn),
        batchSize: mapping.BatchSize,
        maxBatchingWindowSeconds: mapping.MaximumBatchingWindowInSeconds ?? 0,
      })),
    streams: mappings
      .filter((mapping) => sourceIs(mapping, 'stream'))
      .map(({ Properties: mapping }) => ({
        functionName: functionIn(mapping.FunctionName, synthesized, resources),
        table: tableOf(mapping.EventSourceArn),
        filter: JSON.parse((mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]?.Pattern ?? '{}'),
        batchSize: mapping.BatchSize,
        retryAttempts: mapping.MaximumRetryAttempts,
      })),
    schedules: ofType('AWS::Events::Rule').flatMap((rule) =>
      (rule.Properties.Targets as { Arn: unknown }[]).map((target) => ({
        functionName: functionIn(target.Arn, synthesized, resources),
        rateMinutes: Number(/^rate\((\d+) minutes?\)$/.exec(String(rule.Properties.ScheduleExpression))?.[1]),
      })),
    ),
  };
};

const byKey = <T>(items: readonly T[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('function definitions', () => {
  it('make the same triggers in the template and in the local runtime', () => {
    // Prepare
    const local = localTriggers();

    // Act
    const deployed = templateTriggers(synthesize());

    // Assess
    expect(byKey(deployed.http)).toEqual(byKey(local.http));
    expect(byKey(deployed.webSocket)).toEqual(byKey(local.webSocket));
    expect(deployed.queues).toEqual(local.queues.map(({ concurrency: _local, ...mapping }) => mapping));
    expect(deployed.streams).toEqual(local.streams);
    expect(deployed.schedules).toEqual(local.schedules);
    expect(local.http.length + local.webSocket.length + local.queues.length + local.streams.length + local.schedules.length).toBeGreaterThan(functionNames.length);
  });

  it('route each REST route and WebSocket action to one function only', () => {
    // Prepare
    const { http, webSocket } = localTriggers();

    // Act
    const routes = [...http.map(({ method, resource }) => `${method} ${resource}`), ...webSocket.map(({ routeKey }) => `WebSocket ${routeKey}`)];

    // Assess
    expect(routes.filter((route, index) => routes.indexOf(route) !== index)).toEqual([]);
  });

  it('have the local runtime create every queue a function reads or is told the URL of', () => {
    // Prepare
    const named = functionNames.flatMap((name) => [
      ...(functionDefinitions[name].triggers as readonly Trigger[]).filter(isQueueTrigger).map((trigger) => trigger.queue),
      ...Object.values(functionDefinitions[name].environment as Readonly<Record<string, Variable>>).flatMap(({ from }) => ('queue' in from ? [from.queue] : [])),
    ]);

    // Act
    const local = new Set(redrivenQueues.flatMap(({ queue, deadLetter }) => [queue, deadLetter]));

    // Assess
    expect([...new Set(named)].filter((queue) => !local.has(queue as never))).toEqual([]);
  });

  it("route in the query handler exactly the GET routes of the query function's definition", () => {
    // Act
    const routed = queryRoutes({} as Parameters<typeof queryRoutes>[0]).map(({ method, path }) => `${method} ${path}`);

    // Assess
    expect(routed.sort()).toEqual(localTriggers().http.filter(({ functionName, method }) => functionName === 'query' && method === 'GET').map(({ method, resource }) => `${method} ${resource}`).sort());
  });

  it.each([
    ['its own secret', undefined, 'sharedSecret'],
    ['an OIDC issuer', { issuer: 'https://issuer.example.com', jwksUrl: 'https://issuer.example.com/jwks', audience: 'inbox' }, 'oidc'],
  ] as const)('give each deployed function exactly the variables its definition declares, with %s', (_, oidc, tokenMode) => {
    // Prepare
    const synthesized = synthesize(oidc && { oidc });

    for (const name of functionNames) {
      // Act
      const deployed = Object.keys(synthesized.variablesOf(synthesized.stack.functions[name])).sort();

      // Assess
      const declared = Object.entries(functionDefinitions[name].environment as Readonly<Record<string, Variable>>)
        .filter(([, variable]) => variable.when === undefined || variable.when === tokenMode)
        .map(([variable]) => variable);
      expect(deployed, name).toEqual([...Object.keys(commonEnvironment), ...declared].sort());
    }
  });

  it('let each handler read its configuration only through its own definition', async () => {
    // Prepare
    const root = new URL('../../functions/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));

    // Act
    const sources = Object.fromEntries(await Promise.all(files.map(async (file) => [file, await readFile(new URL(file, root), 'utf8')] as const)));

    // Assess
    for (const name of functionNames) expect(sources[`${name}/handler.ts`], name).toContain(`configOf('${name}')`);
    // Outside config.ts, only what Lambda's runtime and the SDK define (AWS_*, POWERTOOLS_*) may be read directly.
    const undeclaredReads = Object.entries(sources).flatMap(([file, source]) =>
      [...source.matchAll(/process\.env(?:\.([A-Z0-9_]+)|\[|\b(?!\.))/g)]
        .filter((read) => file !== 'shared/config.ts' && !/^(AWS_|POWERTOOLS_)/.test(read[1] ?? ''))
        .map((read) => `${file}: ${read[0]}`),
    );
    expect(undeclaredReads).toEqual([]);
  });
});
