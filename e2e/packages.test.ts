// The packages as an app gets them: `npm pack` tarballs of @golive/sdk and @golive/react,
// installed into a fresh project outside this repository, used from plain Node JavaScript and
// from a Vite React page in Chromium, against a real golive and livekit-server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { createGoliveClient, type GoliveRealtime } from '../sdk/src/index.ts';
import { TestStack, uniqueUser, userToken } from '../server/test/harness.ts';
import { launchChromium } from './browser.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FILES = resolve(import.meta.dirname, 'packages');
const run = promisify(execFile);

/** The versions this repository's web app uses, so the install is served from npm's cache. */
function versionOf(dependency: string): string {
  const web = JSON.parse(readFileSync(resolve(ROOT, 'web/package.json'), 'utf8')) as Record<string, Record<string, string>>;
  const version = web.dependencies?.[dependency] ?? web.devDependencies?.[dependency];
  if (!version) throw new Error(`web/package.json has no ${dependency}`);
  return version;
}

/** Serves a built directory on localhost (a secure origin, as a real app page would be). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir)) return void response.writeHead(403).end();
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}/` };
}

describe('@golive/sdk and @golive/react from npm pack, installed in a fresh project', () => {
  let scratch: string;
  let stack: TestStack;
  let browser: Browser | undefined;
  let page: { server: Server; url: string } | undefined;
  const realtimes: GoliveRealtime[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'golive-packages-'));
    // npm pack runs each package's prepack (its build), as a publish would.
    const packed = await run('npm', ['pack', '-w', 'sdk', '-w', 'react', '--pack-destination', scratch, '--json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarballs = (JSON.parse(packed.stdout) as Array<{ filename: string }>).map((p) => `./${p.filename}`);
    assert.equal(tarballs.length, 2, packed.stdout);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'golive-scratch', private: true, type: 'module' }));
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...tarballs,
        `react@${versionOf('react')}`,
        `react-dom@${versionOf('react-dom')}`,
        `vite@${versionOf('vite')}`,
        `@vitejs/plugin-react@${versionOf('@vitejs/plugin-react')}`,
      ],
      { cwd: scratch, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const file of ['chat.mjs', 'main.jsx', 'index.html', 'vite.config.js']) copyFileSync(join(FILES, file), join(scratch, file));
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => {
    for (const r of realtimes) r.close();
    await browser?.close();
    page?.server.close();
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('installs JavaScript and type declarations, not TypeScript sources', () => {
    for (const name of ['sdk', 'react']) {
      const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules/@golive', name, 'package.json'), 'utf8')) as {
        private?: boolean;
        exports: Record<string, Record<string, string>>;
      };
      assert.equal(manifest.private, undefined, `@golive/${name} is publishable`);
      assert.equal(manifest.exports['.']?.default, './dist/index.js');
      assert.equal(manifest.exports['.']?.types, './dist/index.d.ts');
      readFileSync(join(scratch, 'node_modules/@golive', name, 'dist/index.d.ts'));
    }
  });

  it('plain Node JavaScript creates a session and receives a chat message', async () => {
    const { stdout } = await run(process.execPath, ['chat.mjs'], {
      cwd: scratch,
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        GOLIVE_URL: stack.baseUrl,
        HOST_TOKEN: await userToken(uniqueUser('js-host')),
        VIEWER_TOKEN: await userToken(uniqueUser('js-viewer')),
      },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { sessionId: string; phase: string; text: string; seq: number };
    assert.equal(result.text, 'hello from plain JavaScript');
    assert.equal(result.phase, 'live');
    assert.equal(result.seq, 1);
    const created = await stack.request<{ title: string; status: string }>('GET', `/v1/sessions/${result.sessionId}`, {
      token: await userToken(uniqueUser('checker')),
    });
    assert.equal(created.body.title, 'Plain JavaScript');
    assert.equal(created.body.status, 'live');
  });

  it("a Vite React page renders a session's chat with @golive/react, in Chromium", async () => {
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: scratch, timeout: 120_000 });
    page = await serve(join(scratch, 'dist'));

    const hostToken = await userToken(uniqueUser('page-host'), { name: 'Pat Page' });
    const host = createGoliveClient({ baseUrl: stack.baseUrl, token: hostToken });
    const { session } = await host.createSession({ title: 'Scratch page', mode: 'broadcast', visibility: 'public' });
    const hostLive = host.realtime();
    realtimes.push(hostLive);
    await hostLive.connect();
    const hostSub = await hostLive.subscribe(session.id);
    await hostSub.send('sent before the page opened');

    browser = await launchChromium();
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const tab = await context.newPage();
    const config = { baseUrl: stack.baseUrl, token: await userToken(uniqueUser('page-viewer')), sessionId: session.id };
    await tab.addInitScript((c) => {
      (window as unknown as { goliveScratch: typeof c }).goliveScratch = c;
    }, config);
    await tab.goto(page.url);
    await tab.locator('section[data-phase="live"]').waitFor();
    await tab.getByRole('list', { name: 'Chat' }).getByText('sent before the page opened').waitFor();
    await hostSub.send('<i>sent live</i>');
    await tab.getByRole('list', { name: 'Chat' }).getByText('<i>sent live</i>').waitFor();
    assert.deepEqual(await tab.locator('li .text').allTextContents(), ['sent before the page opened', '<i>sent live</i>']);
    assert.equal(await tab.locator('li i').count(), 0, 'text is rendered as text');
    assert.deepEqual(await tab.locator('li b').allTextContents(), ['Pat Page', 'Pat Page']);
  });
});
