import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { type Cidr, parseCidr } from '../config/cidr.ts';
import type { NetworkPolicyConfig } from '../config/types.ts';

export { type Cidr, parseCidr };

/**
 * The SSRF guard. Deliveries go to URLs that customers choose, so without it
 * anyone who may create an endpoint could make Sluice POST into its own
 * network (cloud metadata at 169.254.169.254, an admin port on loopback).
 * Addresses are judged where the connection is made, after DNS: a name is
 * resolved once, every address it resolves to is checked, and the socket
 * connects to exactly that address, so a name that resolves differently on a
 * second look-up (DNS rebinding) gains nothing. Redirects are never followed.
 */

/** Ranges that are not the public internet, with the name a refusal gives. */
const BLOCKED: Array<[cidr: string, what: string]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'documentation'],
  ['100::/64', 'discard'],
  ['fec0::/10', 'site-local'],
  // Transition ranges route to an IPv4 address carried inside them; judging that address is
  // fragile (6to4 relays, Teredo's obfuscation), so the ranges are refused whole.
  ['64:ff9b:1::/48', 'local-use NAT64 (embeds IPv4)'],
  ['2002::/16', '6to4 (embeds IPv4)'],
  ['2001::/32', 'Teredo (embeds IPv4)'],
];

/** 16 bytes of an IPv6 address (with `::` and a trailing dotted quad), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0] as string;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const p = (quad[1] as string).split('.').map(Number);
    text =
      text.slice(0, -(quad[1] as string).length) +
      `${(((p[0] as number) << 8) | (p[1] as number)).toString(16)}:${(((p[2] as number) << 8) | (p[3] as number)).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parts = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 form carries (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::`, compatible `::a.b.c.d`), if any. */
function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const v4 = b.slice(12).join('.');
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4;
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return v4; // IPv4-translated ::ffff:0:a.b.c.d
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return v4;
  if (zero(0, 12) && !zero(12, 14)) return v4;
  return null;
}

export class AddressGuard {
  private readonly blocked: Array<[BlockList, string]> = [];
  private readonly allowed = new BlockList();

  constructor(readonly policy: NetworkPolicyConfig) {
    for (const [cidr, what] of BLOCKED) {
      const c = parseCidr(cidr) as Cidr;
      const list = new BlockList();
      list.addSubnet(c.address, c.prefix, c.family);
      this.blocked.push([list, what]);
    }
    for (const cidr of policy.allowCidrs) {
      const c = parseCidr(cidr);
      if (c) this.allowed.addSubnet(c.address, c.prefix, c.family);
    }
  }

  /** Why a connection to this IP address is refused, or `null` when it may go. */
  refusal(address: string): string | null {
    if (this.policy.allowPrivateNetworks) return null;
    const ip = address.replace(/^\[|\]$/g, '');
    const family = isIP(ip);
    if (family === 0) return `"${address}" is not an IP address`;
    const v4 = family === 6 ? embeddedIpv4(ip) : null;
    const [check, fam] = v4 !== null ? [v4, 'ipv4' as const] : [ip, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
    if (this.allowed.check(check, fam) || (v4 !== null && this.allowed.check(ip, 'ipv6'))) return null;
    for (const [list, what] of this.blocked) {
      if (list.check(check, fam)) {
        return `refused by the SSRF guard: ${ip} is a ${what} address (set allowPrivateNetworks or an allow-list to permit it)`;
      }
    }
    return null;
  }

  /** Why a URL is refused before any look-up: scheme, or a host that is a blocked literal (or `localhost`). */
  urlRefusal(url: string): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `"${url}" is not a URL`;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http or https URL';
    if (this.policy.httpsOnly && parsed.protocol !== 'https:') return 'refused: only https endpoints are allowed (delivery.httpsOnly)';
    if (this.policy.allowPrivateNetworks) return null;
    // `localhost.` is the same name as `localhost` (a fully qualified one): judge it without the dot.
    const host = parsed.hostname
      .replace(/^\[|\]$/g, '')
      .replace(/\.+$/, '')
      .toLowerCase();
    if (isIP(host) !== 0) return this.refusal(host);
    if (host === 'localhost' || host.endsWith('.localhost')) return this.refusal('127.0.0.1');
    return null;
  }

  /** A DNS look-up that fails when any address of the name is refused. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => this.refusal(a.address)).find((r) => r !== null);
      if (refused) return callback(new SsrfRefusal(`${hostname}: ${refused}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** A connection the guard refused; the attempt records its message. */
export class SsrfRefusal extends Error {
  readonly code = 'SSRF_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'SsrfRefusal';
  }
}

/**
 * An undici connector that refuses blocked targets before a packet is sent:
 * literal addresses are checked here, names in the guard's look-up; the
 * connected socket's peer is checked once more for good measure.
 */
export function guardedConnector(guard: AddressGuard, timeoutMs: number): buildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs, lookup: guard.lookup } as buildConnector.BuildOptions);
  return (options, callback) => {
    if (guard.policy.httpsOnly && options.protocol !== 'https:') {
      return callback(new SsrfRefusal('refused: only https endpoints are allowed (delivery.httpsOnly)'), null);
    }
    const host = options.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const refused = guard.refusal(host);
      if (refused) return callback(new SsrfRefusal(refused), null);
    }
    base(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const peer = (socket as Socket).remoteAddress;
      const refused = peer ? guard.refusal(peer) : null;
      if (refused) {
        socket.destroy();
        return callback(new SsrfRefusal(refused), null);
      }
      return callback(null, socket);
    });
  };
}
