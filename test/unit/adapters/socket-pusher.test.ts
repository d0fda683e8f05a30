import { ApiGatewayManagementApiClient, ForbiddenException, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSocketPusher } from '../../../functions/adapters/socket-pusher.ts';

const client = new ApiGatewayManagementApiClient({ region: 'us-east-1', endpoint: 'https://x.execute-api.us-east-1.amazonaws.com/prod' });
const gateway = mockClient(client);
const pusher = createSocketPusher(client);

beforeEach(() => {
  gateway.reset();
});

describe('socket pusher', () => {
  it("posts the payload to the connection and answers 'sent'", async () => {
    // Prepare
    gateway.on(PostToConnectionCommand).resolves({});

    // Act
    const outcome = await pusher.send('conn-1', '{"type":"message.created"}');

    // Assess
    expect(outcome).toBe('sent');
    expect(gateway.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input)).toEqual([
      { ConnectionId: 'conn-1', Data: '{"type":"message.created"}' },
    ]);
  });

  it("answers 'gone' when the gateway no longer knows the connection", async () => {
    gateway.on(PostToConnectionCommand).rejects(new GoneException({ message: 'Gone', $metadata: {} }));

    expect(await pusher.send('conn-1', '{}')).toBe('gone');
  });

  it('rethrows any other failure', async () => {
    const forbidden = new ForbiddenException({ message: 'Forbidden', $metadata: {} });
    gateway.on(PostToConnectionCommand).rejects(forbidden);

    await expect(pusher.send('conn-1', '{}')).rejects.toBe(forbidden);
  });
});
