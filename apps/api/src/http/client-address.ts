import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';

/**
 * The client's address as one plain IP, what limits count and audit rows and sessions
 * store (as `inet`). Fastify's `request.ip` is the socket's address, or the address a
 * trusted proxy names in X-Forwarded-For, as text: a link-local peer carries a zone
 * (`fe80::1%eth0`), and a proxy may send `ip:port`, `[v6]` or garbage. Ports, brackets and
 * zones are dropped; anything that is still not an IP falls back to the socket's peer.
 */
export function clientAddressOf(request: Pick<FastifyRequest, 'ip' | 'socket'>): string | undefined {
  return plainIp(request.ip) ?? plainIp(request.socket.remoteAddress);
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_V6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

export function plainIp(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let address = raw.trim();
  address = BRACKETED_V6.exec(address)?.[1] ?? IPV4_WITH_PORT.exec(address)?.[1] ?? address;
  // A zone belongs to an IPv6 address only (fe80::1%eth0).
  const zone = address.indexOf('%');
  if (zone >= 0 && address.includes(':')) address = address.slice(0, zone);
  return isIP(address) === 0 ? undefined : address;
}
