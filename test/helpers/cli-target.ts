import type { EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Target } from '../../lib/cli/target.ts';

/** A CLI target whose endpoints live in a Map, as the CLI would see them in the table. */
export const inMemoryTarget = () => {
  const stored = new Map<string, Endpoint>();
  const endpoints: EndpointStore = {
    get: async (id) => stored.get(id),
    put: async (endpoint) => void stored.set(endpoint.endpointId, endpoint),
    list: async () => [...stored.values()],
    remove: async (id) => stored.delete(id),
    setSecrets: async (id, secrets) => {
      const endpoint = stored.get(id);
      if (!endpoint) return false;
      stored.set(id, { ...endpoint, secrets });
      return true;
    },
    setSending: async (id, sending) => {
      const endpoint = stored.get(id);
      if (!endpoint) return false;
      stored.set(id, { ...endpoint, sending });
      return true;
    },
    removeSending: async (id) => {
      const endpoint = stored.get(id);
      if (!endpoint) return false;
      const { sending: _removed, ...rest } = endpoint;
      stored.set(id, rest);
      return true;
    },
    pauseSending: async (id, reason, at) => {
      const endpoint = stored.get(id);
      if (endpoint?.sending && !endpoint.sending.pausedAt) stored.set(id, { ...endpoint, sending: { ...endpoint.sending, pausedAt: at, pausedReason: reason } });
    },
  };
  const target: Target = { publicBaseUrl: 'https://hooks.example.com/prod', webSocketUrl: 'wss://ws.example.com', endpoints, tokenMaxLifetimeSeconds: 86_400, jwtSecret: async () => 'x', sendKey: async () => 'x' };
  return { target, stored };
};
