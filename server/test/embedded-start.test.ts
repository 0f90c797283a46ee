// The real start path: `node server/src/main.ts` with no DATABASE_URL and no LIVEKIT_*, so golive
// runs on PGlite with a supervised livekit-server, and must stop that child with itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exitWithin, type Golive, startGolive } from './golive-process.ts';
import { eventually, livekitBinary, reserveTcpPort } from './harness.ts';
import { childPids } from './proc.ts';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe('golive started with its embedded defaults (node server/src/main.ts)', () => {
  const dirs: string[] = [];
  const started: Golive[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'golive-embedded-'));
    dirs.push(dir);
    return dir;
  };
  // One data dir for the tests that reach the database: PGlite's first start (initdb in WASM) takes seconds.
  const shared = dataDir();
  after(async () => {
    for (const g of started) if (g.child.exitCode === null) g.child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API on PGlite and a supervised livekit-server, and SIGTERM stops both cleanly', async () => {
    const { port, release } = await reserveTcpPort();
    const base = `http://127.0.0.1:${port}`;
    const data = shared;
    // Held up to the spawn; the window left is golive's own start-up (PGlite, livekit-server) before it listens.
    await release();
    const golive = startGolive({ GOLIVE_DATA_DIR: data, PORT: String(port), GOLIVE_LIVEKIT_BIN: livekitBinary() });
    started.push(golive);
    const pid = golive.child.pid ?? 0;

    // PGlite's first start runs initdb in WASM: seconds on a busy machine.
    const ready = await eventually(
      async () => {
        if (golive.child.exitCode !== null) throw new Error(`golive exited early:\n${golive.stderr()}${golive.stdout()}`);
        const res = await fetch(`${base}/readyz`);
        return res.status === 200 && ((await res.json()) as { checks: Record<string, string> });
      },
      { timeoutMs: 90_000, intervalMs: 200, what: `golive /readyz on port ${port}` },
    );
    assert.deepEqual(ready.checks, { database: 'ok', livekit: 'ok' });

    const livekitPids = childPids(pid, 'livekit-server');
    assert.equal(livekitPids.length, 1, 'golive runs exactly one livekit-server child');
    const livekitPid = livekitPids[0] ?? 0;
    const lines = golive
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; livekitPid?: number; database?: string });
    assert.equal(lines.find((l) => l.msg === 'livekit-server ready')?.livekitPid, livekitPid);
    assert.equal(lines.find((l) => l.msg === 'golive is listening')?.database, 'pglite');
    readFileSync(join(data, 'dev-secrets.json'));
    readdirSync(join(data, 'pglite'));

    const login = await fetch(`${base}/v1/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const created = await fetch(`${base}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: 'Embedded', mode: 'broadcast', visibility: 'public' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { livekitUrl, session } = (await created.json()) as { livekitUrl: string; session: { id: string; status: string } };
    assert.equal(session.status, 'live');
    assert.match(livekitUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
    // The embedded livekit-server's webhooks reach golive: room_started is counted.
    await eventually(
      async () =>
        /golive_livekit_webhook_events_total\{event="room_started"[^}]*\} [1-9]/.test(await (await fetch(`${base}/metrics`)).text()),
      { what: 'the embedded livekit-server to deliver room_started' },
    );
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    golive.child.kill('SIGTERM');
    assert.equal(await exitWithin(golive, 20_000), 0, `golive exits 0 on SIGTERM:\n${golive.stderr()}`);
    assert.equal(isRunning(livekitPid), false, `livekit-server (pid ${livekitPid}) was left running`);
    assert.match(golive.stdout(), /"msg":"shutting down"/);
    await assert.rejects(fetch(`${base}/healthz`), 'nothing listens on the port any more');
  });

  it('exits non-zero with a fix-it message when the livekit-server binary is missing', async () => {
    const { port, release } = await reserveTcpPort();
    await release();
    const golive = startGolive({ GOLIVE_DATA_DIR: shared, PORT: String(port), GOLIVE_LIVEKIT_BIN: '/nonexistent/livekit-server' });
    started.push(golive);
    const code = await exitWithin(golive, 90_000);
    assert.notEqual(code, 0);
    assert.match(golive.stdout() + golive.stderr(), /run \.\/golive setup, or set GOLIVE_LIVEKIT_BIN/);
  });
  it('exits non-zero with every fix-it message when production settings are missing', async () => {
    const golive = startGolive({ GOLIVE_MODE: 'production', GOLIVE_DATA_DIR: dataDir() });
    started.push(golive);
    const code = await exitWithin(golive, 20_000);
    assert.notEqual(code, 0);
    assert.equal(code, 78, 'EX_CONFIG');
    const stderr = golive.stderr();
    assert.match(stderr, /golive cannot start; fix the configuration/);
    assert.match(stderr, /DATABASE_URL is required in production: set it to postgres:\/\//);
    assert.match(stderr, /LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are required in production/);
    assert.match(stderr, /set AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace, just the problems');
  });

  it('stops a livekit-server that is still starting when SIGTERM comes during start-up', async () => {
    const { port, release } = await reserveTcpPort();
    await release();
    const golive = startGolive({ GOLIVE_DATA_DIR: shared, PORT: String(port), GOLIVE_LIVEKIT_BIN: livekitBinary() });
    started.push(golive);
    const pid = golive.child.pid ?? 0;
    // The moment the child exists, before golive has finished starting.
    const [livekitPid] = await eventually(() => childPids(pid, 'livekit-server').length > 0 && childPids(pid, 'livekit-server'), {
      timeoutMs: 90_000,
      intervalMs: 10,
      what: 'golive to spawn livekit-server',
    });
    golive.child.kill('SIGTERM');
    await exitWithin(golive, 20_000);
    assert.ok(livekitPid);
    await eventually(() => !isRunning(livekitPid), { timeoutMs: 5_000, what: `livekit-server (pid ${livekitPid}) to exit` });
  });
});
