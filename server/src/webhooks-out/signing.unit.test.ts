// Pure parts of delivery: signatures (checked with the standardwebhooks library itself), which
// secrets sign during a rotation, Retry-After, and which addresses may be called.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { addressKind, checkedLookup, checkUrlAddresses, refusalOf } from './address-policy.ts';
import { parseRetryAfter } from './http-sender.ts';
import { generateSecret, Signer, signingSecrets } from './signer.ts';

describe('webhook signing', () => {
  it('signs so that standardwebhooks verifies with each of the secrets that sign', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const body = JSON.stringify({ type: 'live.session.started', timestamp: new Date().toISOString(), data: {} });
    const headers = new Signer().headers([a, b], 'evt_1', new Date(), body);
    assert.equal(headers['webhook-id'], 'evt_1');
    assert.equal(headers['webhook-signature']?.split(' ').length, 2);
    for (const secret of [a, b]) assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers), /No matching signature/);
    assert.throws(() => new Webhook(a).verify(`${body} `, headers), /No matching signature/, 'the body is signed byte for byte');
  });

  it('signs with the previous secret only until its overlap ends', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const endpoint = { secret: 'new', previous_secret: 'old', previous_secret_expires_at: new Date('2026-12-02T10:00:00Z') };
    assert.deepEqual(signingSecrets(endpoint, now), ['new', 'old']);
    assert.deepEqual(signingSecrets(endpoint, new Date('2026-12-02T10:00:01Z')), ['new']);
    assert.deepEqual(signingSecrets({ ...endpoint, previous_secret: null }, now), ['new']);
  });

  it('reads Retry-After as seconds or a date, and caps it at a day', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(parseRetryAfter('120', now)?.toISOString(), '2026-12-01T10:02:00.000Z');
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:05:00 GMT', now)?.toISOString(), '2026-12-01T10:05:00.000Z');
    assert.equal(parseRetryAfter('9999999', now)?.toISOString(), '2026-12-02T10:00:00.000Z');
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });
});

describe('webhook addresses', () => {
  const production = { allowPrivate: false, allowLoopback: false };
  const dev = { allowPrivate: false, allowLoopback: true };

  it('tells loopback, private, link-local, metadata and reserved addresses from public ones', () => {
    const kinds = {
      '8.8.8.8': 'public',
      '2606:4700::1111': 'public',
      '127.0.0.1': 'loopback',
      '::1': 'loopback',
      '::ffff:127.0.0.1': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '192.168.1.1': 'private',
      '100.64.0.1': 'private',
      'fd12::1': 'private',
      '169.254.10.1': 'link-local',
      'fe80::1': 'link-local',
      '169.254.169.254': 'metadata',
      'fd00:ec2::254': 'metadata',
      '0.0.0.0': 'reserved',
      '224.0.0.1': 'reserved',
    };
    for (const [address, kind] of Object.entries(kinds)) assert.equal(addressKind(address), kind, address);
  });

  it('allows only public addresses in production, loopback too in dev, everything with ALLOW_PRIVATE', () => {
    assert.equal(refusalOf(production, '8.8.8.8'), null);
    assert.match(refusalOf(production, '127.0.0.1') ?? '', /loopback address \(set GOLIVE_WEBHOOK_ALLOW_PRIVATE=true/);
    assert.equal(refusalOf(dev, '127.0.0.1'), null);
    assert.match(refusalOf(dev, '10.0.0.1') ?? '', /private/);
    assert.equal(refusalOf({ allowPrivate: true, allowLoopback: true }, '169.254.169.254'), null);
  });

  it('resolves names and checks every address, at registration and in the lookup a connection uses', async () => {
    await assert.rejects(checkUrlAddresses(production, new URL('http://localhost:9/h')), /localhost resolves to .* loopback/);
    await assert.rejects(checkUrlAddresses(production, new URL('http://[::1]/h')), /::1 is a loopback address/);
    await checkUrlAddresses(dev, new URL('http://localhost:9/h'));
    const lookup = checkedLookup(production);
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, (e) => resolve(e)));
    assert.equal((error as { code?: string } | null)?.code, 'WEBHOOK_ADDRESS_REFUSED');
    const ok = await new Promise<unknown>((resolve) => checkedLookup(dev)('localhost', { all: true }, (e, a) => resolve(e ?? a)));
    assert.ok(Array.isArray(ok) && ok.length > 0, 'dev mode resolves localhost');
  });
});
