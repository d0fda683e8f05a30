import { describe, expect, it } from 'vitest';
import { isConnectable, loopbackOriginsAmong } from '../../../functions/adapters/media-fetch.ts';

describe('which addresses a media fetch may connect to', () => {
  it.each([
    ['8.8.8.8'],
    ['151.101.1.140'],
    ['2606:4700:4700::1111'],
    ['::ffff:8.8.8.8'],
  ])('connects to the public address %s', (address) => {
    expect(isConnectable(address)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['169.254.169.254', 'the instance metadata service (link-local)'],
    ['fe80::1', 'IPv6 link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['fc00::1', 'ULA'],
    ['fd12:3456::1', 'ULA'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'IPv6 unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'IPv6 multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:10.0.0.1', 'IPv4-mapped RFC 1918'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address'],
    ['2001::1', 'Teredo'],
    ['198.18.0.1', 'benchmarking'],
    ['240.0.0.1', 'reserved'],
    ['not an address', 'garbage'],
  ])('refuses %s (%s)', (address) => {
    expect(isConnectable(address)).toBe(false);
  });

  it('opens loopback alone, and only when asked: never RFC 1918 or metadata', () => {
    expect(isConnectable('127.0.0.1', true)).toBe(true);
    expect(isConnectable('::1', true)).toBe(true);
    expect(isConnectable('::ffff:127.0.0.1', true)).toBe(true);
    expect(isConnectable('10.0.0.1', true)).toBe(false);
    expect(isConnectable('169.254.169.254', true)).toBe(false);
  });

  it('takes as loopback origins only provider APIs configured on a loopback address literal', () => {
    expect(loopbackOriginsAmong(['http://127.0.0.1:4010/', 'https://graph.facebook.com', 'http://[::1]:9/x', 'http://localhost:80'])).toEqual(['http://127.0.0.1:4010', 'http://[::1]:9']);
  });
});
