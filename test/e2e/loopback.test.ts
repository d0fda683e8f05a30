import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { isLoopback, listeningSocketsOf } from '../helpers/listening-sockets.ts';

/**
 * What `npm start` offers the network: nothing. Every TCP socket the stack's processes
 * listen on (its own, fauxqs's, DynamoDB Local's JVM's) is read from the kernel's tables
 * and must be bound to loopback, so nobody on the machine's networks can read the tables,
 * inject into the queues or post frames to @connections.
 */

let stack: LocalStackProcess | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const urlsOf = (description: LocalStackProcess['description']): string[] => [
  description.httpUrl,
  description.wsUrl,
  description.dynamodbEndpoint,
  description.sqsEndpoint,
  description.queues.ingest,
  description.queues.deadLetter,
];

describe('the local stack on the network', () => {
  it('listens on 127.0.0.1 only, every process of it included, and says so', async () => {
    stack = await startLocalStackProcess();

    const sockets = listeningSocketsOf(stack.pid);

    // Every listener is found (the JVM's too), so that the check below is not vacuous.
    const { http, ws, dynamodb, sqs } = stack.ports;
    expect(sockets.map(({ port }) => port)).toEqual(expect.arrayContaining([http, ws, dynamodb, sqs]));
    expect(sockets.filter(({ address }) => !isLoopback(address))).toEqual([]);
    for (const url of urlsOf(stack.description)) expect(new URL(url).hostname).toBe('127.0.0.1');
  }, 90_000);

  it('listens on the address in HOST, reaches its stand-ins there, and shows it in the banner and state file', async () => {
    // Another loopback address: a test must not open the machine to the network.
    stack = await startLocalStackProcess({ HOST: '127.0.0.2' });
    const { http, ws, dynamodb, sqs } = stack.ports;

    const sockets = listeningSocketsOf(stack.pid);
    const health = await fetch(`${stack.description.httpUrl}/health`);
    const endpoints = await stack.cli(['endpoint', 'list']);

    const named = sockets.filter(({ port }) => [http, ws, dynamodb, sqs].includes(port));
    expect(new Set(named.map(({ port }) => port))).toEqual(new Set([http, ws, dynamodb, sqs]));
    expect(named.filter(({ address }) => !/^(::ffff:)?127\.0\.0\.2$/.test(address))).toEqual([]);
    expect(sockets.filter(({ address }) => !isLoopback(address))).toEqual([]);
    for (const url of urlsOf(stack.description)) expect(new URL(url).hostname).toBe('127.0.0.2');
    expect(stack.output()).toContain(`http://127.0.0.2:${http}/?token=`);
    expect(health.status).toBe(200);
    expect(JSON.parse(endpoints)).toEqual([]);
  }, 90_000);
});
