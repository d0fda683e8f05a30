import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

/**
 * Pushes frames through API Gateway's @connections API (locally, the WebSocket gateway's
 * copy of it). A GoneException names the connection it was sent to: that one is gone.
 */
export const createSocketPusher = (client: ApiGatewayManagementApiClient) => ({
  async send(connectionId: string, payload: string): Promise<'sent' | 'gone'> {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: payload }));
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      throw error;
    }
  },
});
