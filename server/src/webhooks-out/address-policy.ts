import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What kind of address a webhook URL resolves to; only `public` is always allowed. */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

/** Cloud instance-metadata services, named apart from the ranges they sit in for a clearer refusal. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

export function addressKind(address: string): AddressKind {
  if (!ipaddr.isValid(address)) return 'reserved';
  let parsed = ipaddr.parse(address);
  // ::ffff:127.0.0.1 reaches 127.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(parsed.toNormalizedString()) || METADATA.has(parsed.toString())) return 'metadata';
  switch (parsed.range()) {
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'private';
    case 'linkLocal':
      return 'link-local';
    default:
      // unspecified (0.0.0.0 reaches this host), broadcast, multicast, documentation, reserved.
      return 'reserved';
  }
}

/**
 * Which addresses golive may send webhooks to. In production only public ones, unless
 * GOLIVE_WEBHOOK_ALLOW_PRIVATE=true; dev mode also allows loopback (receivers on this machine).
 */
export type AddressPolicy = { allowPrivate: boolean; allowLoopback: boolean };

/** Why an address is refused, or null when it is allowed. */
export function refusalOf(policy: AddressPolicy, address: string): string | null {
  if (policy.allowPrivate) return null;
  const kind = addressKind(address);
  if (kind === 'public' || (kind === 'loopback' && policy.allowLoopback)) return null;
  return `${address} is a ${kind} address (set GOLIVE_WEBHOOK_ALLOW_PRIVATE=true to allow it)`;
}

export class RefusedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
  constructor(host: string, reason: string) {
    super(`refused to connect to ${host}: ${reason}`);
    this.name = 'RefusedAddressError';
  }
}

/** The host of a URL as DNS and isIP see it (IPv6 literals without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves a URL's host and checks every address it has; throws what to fix. At registration. */
export async function checkUrlAddresses(policy: AddressPolicy, url: URL): Promise<void> {
  const host = hostOf(url);
  if (policy.allowPrivate) return;
  const addresses = isIP(host) ? [{ address: host }] : await dnsLookupAsync(host, { all: true, verbatim: true });
  for (const { address } of addresses) {
    const reason = refusalOf(policy, address);
    if (reason) throw new RefusedAddressError(host, `${host === address ? '' : `${host} resolves to `}${reason}`);
  }
}

/**
 * A DNS lookup for node:http that checks every address before the socket connects to one, so a
 * name that resolved to a public address at registration cannot be pointed at a private one later
 * (DNS rebinding): the address checked is the address connected to. IP literals never reach a
 * lookup; the sender checks those itself.
 */
export function checkedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const reason = refusalOf(policy, address);
        if (reason) return callback(new RefusedAddressError(hostname, `${hostname} resolves to ${reason}`), '', 0);
      }
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      // Node asks for all addresses when it tries them in turn (autoSelectFamily), else for one.
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
