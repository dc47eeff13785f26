import { normalizeIp } from '@nestjs/throttler';
import type { Server } from 'node:http';
import { BlockList, isIPv6, type Socket } from 'node:net';
import { plainIp } from './client-address';

export interface ConnectionLimits {
  /** Open connections in all; past it new ones are closed at once (Node's maxConnections). */
  readonly total: number;
  /** Open connections per client address (IPv6 per /64); trusted proxies are exempt. */
  readonly perAddress: number;
  /** Addresses or CIDR ranges of trusted proxies (TRUSTED_PROXIES). */
  readonly trustedProxies: readonly string[];
}

/**
 * Connections cost a file descriptor each before any request, limit or authentication
 * exists: an outside review held 21,000 idle ones from one host, every new client got
 * ECONNRESET and the database pool, out of descriptors, answered 500s. So the server
 * holds at most `total` (by default 80 % of the process's descriptor limit, leaving room
 * for the database pool and files) and at most `perAddress` from one address.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.total;
  const trusted = trustedList(limits.trustedProxies);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = plainIp(socket.remoteAddress);
    if (!address || trusted.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')) return;
    const key = normalizeIp(address);
    const count = (open.get(key) ?? 0) + 1;
    if (count > limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(key, count);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

function trustedList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
