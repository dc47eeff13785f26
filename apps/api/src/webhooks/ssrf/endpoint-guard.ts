import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of outbound webhooks (issue 16), pure: no Nest, no I/O but the injected
 * lookup. Registration calls `checkEndpointUrl`; every delivery calls `checkEndpointUrl`
 * again and then `resolveCheckedAddress`, and connects to exactly the address it returned.
 *
 * The rule for addresses is an allow-list: an IPv4 address is allowed only when ipaddr.js
 * classifies it `unicast` (every special range — loopback, private, link-local, CGNAT,
 * multicast, broadcast, unspecified, reserved, documentation, benchmarking, AS112, AMT — is
 * refused), an IPv6 address only when it is `unicast` inside global unicast 2000::/3; mapped
 * and translated IPv6 forms are judged by the IPv4 address they carry. Cloud metadata
 * addresses are refused by name, whatever their range.
 */

export const MAX_ENDPOINT_URL_LENGTH = 2048;

/** The field every message names (the endpoint's `url` in the registration DTO). */
const FIELD = 'url';

export interface EndpointPolicy {
  /** Development only: accept `http:` as well as `https:`. */
  readonly allowHttp?: boolean;
  /** Ports accepted besides 443 and 80 (the scheme defaults). */
  readonly allowedPorts?: readonly number[];
  /**
   * Tests only, never set by production code: also accept loopback addresses (127.0.0.0/8
   * and ::1, not their mapped or translated forms) so specs can deliver to sinks on
   * 127.0.0.1. Every other refused range stays refused.
   */
  readonly allowLoopbackForTests?: boolean;
}

export type EndpointRefusalCode =
  | 'invalid_url'
  | 'too_long'
  | 'scheme_not_allowed'
  | 'userinfo_not_allowed'
  | 'port_not_allowed'
  | 'fragment_not_allowed'
  | 'host_not_allowed'
  | 'address_forbidden'
  | 'lookup_failed'
  | 'no_address';

export interface EndpointRefusal {
  readonly ok: false;
  readonly code: EndpointRefusalCode;
  /** For a human; names the field and never echoes any part of the submitted URL. */
  readonly message: string;
}

export interface CheckedEndpoint {
  readonly ok: true;
  /** The parsed URL: what the delivery client must use, never the submitted text. */
  readonly url: URL;
  /** The parsed hostname without IPv6 brackets (an IP literal in its canonical form). */
  readonly hostname: string;
  /** The effective port (the scheme default when the URL names none). */
  readonly port: number;
  /** The canonical address when the host is an IP literal, else null. */
  readonly literalAddress: string | null;
}

export interface CheckedAddress {
  readonly ok: true;
  /** The address to connect to: the one that was checked, never resolved again. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** The shape of `dns.promises.lookup` with `{ all: true }`. */
export type AddressLookup = (hostname: string, options: { all: true; verbatim: true }) => Promise<readonly LookupAddress[]>;

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'https:': 443, 'http:': 80 };
const ALWAYS_ALLOWED_PORTS: readonly number[] = [443, 80];

/** Metadata services, refused by name whatever ipaddr.js says of their range. */
const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254', // AWS, GCP, Azure IMDS, OpenStack, …
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure WireServer (a public address reachable only from inside Azure)
  'fd00:ec2::254', // AWS IMDS over IPv6
].map((text) => ipaddr.parse(text).toString());

function refuse(code: EndpointRefusalCode, message: string): EndpointRefusal {
  return { ok: false, code, message };
}

/** Judges a submitted endpoint URL by what the WHATWG parser made of it. */
export function checkEndpointUrl(text: string, policy: EndpointPolicy = {}): CheckedEndpoint | EndpointRefusal {
  if (text.length > MAX_ENDPOINT_URL_LENGTH) {
    return refuse('too_long', `${FIELD} must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('invalid_url', `${FIELD} must be an absolute URL`);
  }
  if (url.href.length > MAX_ENDPOINT_URL_LENGTH) {
    return refuse('too_long', `${FIELD} must be at most ${MAX_ENDPOINT_URL_LENGTH} characters once normalised`);
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined || (url.protocol === 'http:' && policy.allowHttp !== true)) {
    return refuse('scheme_not_allowed', `${FIELD} must use https${policy.allowHttp === true ? ' or http' : ''}`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('userinfo_not_allowed', `${FIELD} must not carry a user name or password`);
  }
  // An empty fragment (`…#`) leaves `hash` empty but is still a fragment; '#' can appear in
  // a serialised URL only as the fragment delimiter.
  if (url.hash !== '' || url.href.includes('#')) {
    return refuse('fragment_not_allowed', `${FIELD} must not have a fragment`);
  }
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (!ALWAYS_ALLOWED_PORTS.includes(port) && !(policy.allowedPorts ?? []).includes(port)) {
    return refuse('port_not_allowed', `${FIELD} must use port 443 or 80 (or a configured port)`);
  }

  const bracketed = url.hostname.startsWith('[') && url.hostname.endsWith(']');
  const hostname = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === '') {
    return refuse('host_not_allowed', `${FIELD} must name a host`);
  }
  // The parser has already turned every numeric IPv4 notation (0x7f.1, 2130706433,
  // 0177.0.0.1, fullwidth digits) into dotted decimal, and IPv6 into its compressed form.
  if (bracketed || isIPv4(hostname)) {
    const literal = literalAddress(hostname);
    if (literal === null || isRefusedAddress(literal, policy)) {
      return refuse('address_forbidden', `${FIELD} must not point at a private, local or reserved address`);
    }
    return { ok: true, url, hostname: literal, port, literalAddress: literal };
  }
  const name = hostname.replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || name === '') {
    return refuse('host_not_allowed', `${FIELD} must not point at localhost`);
  }
  return { ok: true, url, hostname, port, literalAddress: null };
}

/** The canonical text of an IP literal, or null when the text is not one. */
function literalAddress(text: string): string | null {
  if (!ipaddr.isValid(text)) return null;
  try {
    return ipaddr.parse(text).toString();
  } catch {
    return null;
  }
}

/**
 * The reason an address is refused (the ipaddr.js range name, `metadata`, `unparsable`, or
 * `<translation>:<range>` for a mapped or translated form), or null when it is allowed.
 */
export function forbiddenAddressReason(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'unparsable';
  }
  return parsed.kind() === 'ipv4' ? ipv4Reason(parsed as ipaddr.IPv4) : ipv6Reason(parsed as ipaddr.IPv6);
}

/** True when delivering to this address is refused; anything unparsable is refused. */
export function isForbiddenAddress(address: string): boolean {
  return forbiddenAddressReason(address) !== null;
}

/** `isForbiddenAddress`, with the tests-only loopback escape of the policy. */
function isRefusedAddress(address: string, policy: EndpointPolicy): boolean {
  const reason = forbiddenAddressReason(address);
  return reason !== null && !(reason === 'loopback' && policy.allowLoopbackForTests === true);
}

function ipv4Reason(address: ipaddr.IPv4): string | null {
  if (METADATA_ADDRESSES.includes(address.toString())) return 'metadata';
  const range = address.range();
  return range === 'unicast' ? null : range;
}

function ipv6Reason(address: ipaddr.IPv6): string | null {
  if (address.zoneId !== undefined) return 'zoned';
  const canonical = address.toString();
  if (METADATA_ADDRESSES.includes(canonical)) return 'metadata';
  const parts = address.parts;
  const range = address.range();
  if (range === 'unspecified' || range === 'loopback') return range;

  const embedded = embeddedIPv4(address, range);
  if (embedded !== null) {
    const reason = ipv4Reason(embedded.ipv4);
    return reason === null ? null : `${embedded.via}:${reason}`;
  }
  if (range !== 'unicast') return range;
  // Outside global unicast 2000::/3 every block is IETF-reserved.
  if (((parts[0] ?? 0) & 0xe000) !== 0x2000) return 'reserved';
  return null;
}

/** The IPv4 address a mapped or translated IPv6 form carries, judged instead of the IPv6. */
function embeddedIPv4(address: ipaddr.IPv6, range: string): { via: string; ipv4: ipaddr.IPv4 } | null {
  const p = address.parts;
  const at = (i: number): number => p[i] ?? 0;
  const fromWords = (high: number, low: number): ipaddr.IPv4 => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const lastWords = (): ipaddr.IPv4 => fromWords(at(6), at(7));

  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (SIIT, RFC 6145)
  if (range === 'ipv4Mapped' || range === 'rfc6145') return { via: range, ipv4: lastWords() };
  // 64:ff9b::/96, the well-known NAT64 prefix; the local-use 64:ff9b:1::/48 stays refused
  // as `rfc6052` because its translator and its mapping are a local matter.
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0) {
    return { via: 'nat64', ipv4: lastWords() };
  }
  // 2002:AABB:CCDD::/48, 6to4
  if (at(0) === 0x2002) return { via: '6to4', ipv4: fromWords(at(1), at(2)) };
  // ::a.b.c.d, IPv4-compatible (deprecated)
  if ([0, 1, 2, 3, 4, 5].every((i) => at(i) === 0)) return { via: 'ipv4Compatible', ipv4: lastWords() };
  return null;
}

/**
 * Resolves a hostname once, with every address it has, and refuses it if any address is
 * forbidden. The caller connects to the returned address and to nothing else: resolving
 * again (as an HTTP client would) lets a rebinding DNS server answer differently the second
 * time. An IP literal is judged without a lookup (Node's fetch skips the lookup hook for
 * literals, so the check must not rely on one).
 */
export async function resolveCheckedAddress(
  hostname: string,
  lookup: AddressLookup = dnsPromises.lookup,
  policy: EndpointPolicy = {},
): Promise<CheckedAddress | EndpointRefusal> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = literalAddress(bare);
  if (literal !== null) {
    if (isRefusedAddress(literal, policy)) {
      return refuse('address_forbidden', `${FIELD} must not point at a private, local or reserved address`);
    }
    return { ok: true, address: literal, family: ipaddr.parse(literal).kind() === 'ipv4' ? 4 : 6 };
  }
  let answers: readonly LookupAddress[];
  try {
    answers = await lookup(bare, { all: true, verbatim: true });
  } catch {
    return refuse('lookup_failed', `${FIELD}: the host could not be resolved`);
  }
  if (answers.length === 0) {
    return refuse('no_address', `${FIELD}: the host has no address`);
  }
  const checked: string[] = [];
  for (const answer of answers) {
    const canonical = literalAddress(answer.address);
    if (canonical === null || isRefusedAddress(canonical, policy)) {
      return refuse('address_forbidden', `${FIELD}: the host resolves to a private, local or reserved address`);
    }
    checked.push(canonical);
  }
  const address = checked[0] as string;
  return { ok: true, address, family: ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6 };
}
