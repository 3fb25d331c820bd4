/**
 * Which IP addresses Herald may connect to on a user's behalf: global unicast only. Everything
 * else — loopback, private, link-local (cloud metadata 169.254.169.254), unique-local (AWS
 * fd00:ec2::254), CGNAT, multicast, unspecified, broadcast, reserved, documentation, and IPv6 forms
 * that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) — is refused.
 * Ranges: https://github.com/whitequark/ipaddr.js (IANA special-purpose registries).
 */
import ipaddr from 'ipaddr.js';

/** IPv4 ranges ipaddr.js calls "unicast" that are still not the public internet. */
const EXTRA_V4_BLOCKS: ReadonlyArray<[string, number]> = [
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['240.0.0.0', 4], // reserved (class E)
];
const EXTRA_V6_BLOCKS: ReadonlyArray<[string, number]> = [
  ['2001:db8::', 32], // documentation
  ['::', 96], // IPv4-compatible (deprecated)
];

export interface AddressVerdict {
  ok: boolean;
  /** ipaddr.js range name, or "invalid" */
  range: string;
}

/** Global unicast? Accepts any notation ipaddr.js parses, brackets and IPv6 zone ids included. */
export function classifyAddress(address: string): AddressVerdict {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(text);
  } catch {
    return { ok: false, range: 'invalid' };
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    const inner = classifyAddress((ip as ipaddr.IPv6).toIPv4Address().toString());
    return { ok: false, range: `ipv4Mapped(${inner.range})` };
  }
  const range = ip.range();
  if (range !== 'unicast') return { ok: false, range };
  const blocks = ip.kind() === 'ipv4' ? EXTRA_V4_BLOCKS : EXTRA_V6_BLOCKS;
  for (const [base, bits] of blocks) {
    const net = ipaddr.parse(base);
    if (net.kind() === ip.kind() && ip.match(net, bits)) return { ok: false, range: 'reserved' };
  }
  return { ok: true, range };
}

/** The host of a URL as an IP address, when it is one (the URL parser already normalised 0x7f.1, 2130706433 …). */
export function ipLiteral(hostname: string): string | undefined {
  const text = hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(text) ? text : undefined;
}
