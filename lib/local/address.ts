import type { AddressInfo } from 'node:net';

/**
 * Where every listener of the local stack binds unless the user names another address
 * (HOST): loopback, so that nothing of it (the stand-ins' data, @connections, the gateways)
 * is reachable from the network the machine is on.
 */
export const loopbackHost = '127.0.0.1';

/** An address as the host part of a URL: an IPv6 address in brackets. */
export const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/** The URL of a listening server, on the address it actually bound (not the one it was asked for). */
export const listeningUrl = (scheme: string, server: { address(): AddressInfo | string | null }): string => {
  const { address, port } = server.address() as AddressInfo;
  return `${scheme}://${urlHost(address)}:${port}`;
};
