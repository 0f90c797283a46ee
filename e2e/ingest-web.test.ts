// Going live from OBS in the web app: the host picks "Stream from OBS or an encoder" at Go Live,
// the studio shows the WHIP URL, the RTMP URL and the key with copy buttons; a second Chromium
// context then publishes over WHIP with that key, as OBS would, and the studio shows it as the
// host's camera with the ingest receiving. Against a real golive and livekit-server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { eventually, TestStack, userToken } from '../server/test/harness.ts';
import { framesPlayed, launchChromium, type Person, screenshotAfterEachStep, screenshots, signIn } from './browser.ts';
import { ensureWebBuild } from './web-build.ts';
import { publishOverWhip, type WhipPublisher } from './whip-client.ts';

const STATUS = '.encoder-status';
const MAIN_TILE = '.room-video figure[data-main="true"]';

describe('web app: Go Live from OBS or an encoder (Chromium as the studio, and as a WHIP encoder)', () => {
  let stack: TestStack;
  let browser: Browser;
  let base: string;
  let host: Person;
  let viewer: Person | undefined;
  let page: Page;
  let sessionId = '';
  let whipUrl = '';
  let streamKey = '';
  let encoder: WhipPublisher | undefined;

  before(async () => {
    ensureWebBuild();
    browser = await launchChromium();
    stack = await TestStack.start();
    base = `http://localhost:${stack.port}`;
  });
  screenshotAfterEachStep('encoder', () => [host, viewer]);
  after(async () => {
    await encoder?.close();
    await browser?.close();
    await stack?.stop();
  });

  it('at Go Live the host chooses the encoder; the studio shows the WHIP URL, the RTMP URL and the key, each with a copy button, waiting', async () => {
    host = await signIn(browser, base, 'Otto OBS');
    page = host.page;
    await host.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Go Live' }).click();
    await page.getByRole('radio', { name: 'Stream from OBS or an encoder' }).check();
    await page.getByRole('heading', { name: 'Stream from OBS or an encoder' }).waitFor();
    assert.equal(await page.locator('video[aria-label="Your camera preview"]').count(), 0, 'no camera preview for an encoder');
    await page.getByLabel('Title').fill('Straight from OBS');
    await screenshots(page, '20-go-live-encoder');
    await page.getByRole('button', { name: 'Start live' }).click();
    await page.waitForURL(/\/studio\/[0-9a-f-]{36}$/);
    sessionId = page.url().split('/').at(-1) ?? '';

    await page.getByRole('tab', { name: 'Encoder' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Encoder' }).getAttribute('aria-selected'), 'true');
    whipUrl = await page.getByRole('textbox', { name: 'WHIP URL' }).inputValue();
    assert.equal(whipUrl, `${stack.config.publicUrl}/v1/ingest/whip`);
    assert.match(await page.getByRole('textbox', { name: 'RTMP URL' }).inputValue(), /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    const key = page.locator('#encoder-stream-key');
    assert.equal(await key.getAttribute('type'), 'password', 'the key is masked until shown');
    await page.getByRole('button', { name: 'Show' }).click();
    assert.equal(await key.getAttribute('type'), 'text');
    streamKey = await key.inputValue();
    assert.match(streamKey, /^glsk_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy the Stream key' }).click();
    await page.getByRole('button', { name: 'Copy the Stream key' }).filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), streamKey, 'the copy button puts the key on the clipboard');
    await page.getByRole('button', { name: 'Copy the WHIP URL' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), whipUrl);

    await page.locator(`${STATUS}[data-state="waiting"]`).waitFor();
    assert.equal(await page.locator(STATUS).textContent(), 'Waiting for the encoder…');
    assert.equal(await page.locator('.room-video video').count(), 0, 'the browser publishes no camera of its own');
    await page.getByRole('button', { name: 'Hide' }).click();
    await screenshots(page, '21-studio-encoder-waiting');
  });

  it('an encoder publishing over WHIP with that key is the host’s camera; the studio shows receiving with the size and bitrate', async () => {
    assert.ok(streamKey, 'no key: see the first failure');
    encoder = await publishOverWhip(browser, { whipUrl, streamKey, width: 640, height: 360 });
    assert.equal(encoder.offered.status, 201, encoder.offered.body);
    await page.locator(`${STATUS}[data-state="receiving"]`).waitFor({ timeout: 20_000 });
    const text = await eventually(
      async () => {
        const now = (await page.locator(STATUS).textContent()) ?? '';
        return /^Receiving over WHIP · 640×360 · [\d,]+ kbit\/s as your browser receives it$/.test(now) ? now : null;
      },
      { timeoutMs: 15_000, what: 'the size and bitrate the host’s browser receives' },
    );
    assert.ok(Number(/· ([\d,]+) kbit/.exec(text)?.[1]?.replaceAll(',', '')) > 0, text);
    const main = page.locator(MAIN_TILE);
    assert.equal(await main.getAttribute('data-identity'), `${host.userId}#ingest`, 'the encoder takes the host’s place on the stage');
    assert.equal(await main.locator('figcaption').textContent(), 'Otto OBS');
    const played = await framesPlayed(page, `${MAIN_TILE} video`, 5);
    assert.deepEqual([played.width, played.height], [640, 360]);

    await screenshots(page, '22-studio-encoder-receiving');
  });

  it('a viewer watches the encoder as the host’s video, and is the only one counted', async () => {
    viewer = await signIn(browser, base, 'Vera Viewer');
    await viewer.page.goto(`${base}/watch/${sessionId}`);
    const played = await framesPlayed(viewer.page, '.watch-stage figure[data-source="camera"] video', 5);
    assert.ok(played.width > 0);
    const token = await userToken(host.userId);
    await eventually(
      async () => (await stack.request<{ viewerCount: number }>('GET', `/v1/sessions/${sessionId}`, { token })).body.viewerCount === 1,
      { what: 'the viewer counted' },
    );
    const session = await stack.request<{ viewerCount: number }>('GET', `/v1/sessions/${sessionId}`, { token });
    assert.equal(session.body.viewerCount, 1, 'the encoder is never counted as a viewer');
    // The studio's People list: the viewer, and not the encoder (it is the host, who is not listed).
    await page.getByRole('tab', { name: 'Stage' }).click();
    await page.locator(`#panel-stage [data-user="${viewer.userId}"]`).waitFor();
    assert.equal(await page.locator('#panel-stage .person').count(), 1, 'only the viewer');
    assert.equal(await page.locator(`#panel-stage [data-user="${host.userId}#ingest"]`).count(), 0, 'the encoder is no second host');
    await page.getByRole('tab', { name: 'Encoder' }).click();
  });

  it('changing the key drops the encoder at once and shows a new key, waiting again', async () => {
    await page.getByRole('button', { name: 'Change key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Change key' }).click();
    await page.locator(`${STATUS}[data-state="waiting"]`).waitFor();
    await page.getByRole('button', { name: 'Show' }).click();
    const fresh = await page.locator('#encoder-stream-key').inputValue();
    assert.match(fresh, /^glsk_/);
    assert.notEqual(fresh, streamKey);
    await page.locator(MAIN_TILE).waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByText('Waiting for your encoder…').waitFor();
    const refused = await fetch(whipUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${streamKey}`, 'content-type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    assert.equal(refused.status, 401, 'the old key is refused');
  });
});
