import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A sample Lambda event from events/lambda, cloned so a test can change it freely. */
export const lambdaEvent = <Event = unknown>(name: string): Event =>
  structuredClone(JSON.parse(readFileSync(new URL(`../../events/lambda/${name}`, import.meta.url), 'utf8')) as Event);

/** The REST proxy event API Gateway sends for a webhook POST, with the given path, headers and body. */
export const webhookEvent = (provider: string, endpointId: string, headers: Record<string, string>, body: string): APIGatewayProxyEvent => {
  const event = lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json');
  return {
    ...event,
    path: `/webhooks/${provider}/${endpointId}`,
    pathParameters: { provider, endpointId },
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
};
