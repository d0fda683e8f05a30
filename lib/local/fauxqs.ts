import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { Server, type ListenOptions } from 'node:net';

type FauxqsOptions = Omit<NonNullable<Parameters<typeof startFauxqs>[0]>, 'host'> & { readonly port: number };

const isWildcardListenOn = (target: unknown, port: number): target is ListenOptions =>
  typeof target === 'object' && target !== null && (target as ListenOptions).host === '0.0.0.0' && (target as ListenOptions).port === port;

/**
 * fauxqs, listening on `host` only. fauxqs (2.4 to 2.9 at least) listens on 0.0.0.0 whatever
 * it is given: its `host` option only names queue URLs, and its startFauxqs calls
 * `app.listen({ port, host: "0.0.0.0" })`, which would put every queue and body on the
 * network. While it starts, that one wildcard listen on `port` is moved to `host`; the
 * server and everything else of fauxqs are its own.
 */
export const startFauxqsOn = async (host: string, options: FauxqsOptions): Promise<FauxqsServer> => {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const [target] = args;
    if (isWildcardListenOn(target, options.port)) args[0] = { ...target, host };
    return Reflect.apply(listen, this, args) as Server;
  } as Server['listen'];
  try {
    return await startFauxqs(options);
  } finally {
    Server.prototype.listen = listen;
  }
};
