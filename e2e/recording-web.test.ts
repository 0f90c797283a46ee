import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordingChat } from '@golive/sdk';
import type { Browser, Page } from 'playwright-core';
import { eventually, TestStack } from '../server/test/harness.ts';
import { disposeMediaRuntime } from '../server/test/media.ts';
import { chatLine, framesPlayed, launchChromium, type Person, say, screenshotAfterEachStep, screenshots, signIn } from './browser.ts';
import { ensureWebBuild } from './web-build.ts';

/** Recording from the Studio, the viewers' badge, Replays, and the replay page with its chat in sync. */
describe('recording and replay in the web app, in Chromium', () => {
  let stack: TestStack;
  let browser: Browser;
  let base: string;
  let host: Person;
  let viewer: Person;
  let sessionId = '';
  let recordingId = '';
  const title = 'Recorded jam';

  before(async () => {
    ensureWebBuild();
    browser = await launchChromium();
    // A small picture keeps the recorder's encoder light beside two Chromiums on 2 cores.
    stack = await TestStack.start({
      env: { RECORDING_WIDTH: '640', RECORDING_HEIGHT: '360', RECORDING_FPS: '15', RECORDING_SEGMENT_SEC: '2' },
    });
    base = `http://localhost:${stack.port}`;
  });
  screenshotAfterEachStep('recording', () => [host, viewer]);
  after(async () => {
    await browser?.close();
    await stack?.services.recorders.stopAll();
    await stack?.stop();
    // The recorder ran rtc-node in this process: its runtime keeps the process up until disposed.
    await disposeMediaRuntime();
  });

  it('the host records from the Studio: REC with a timer for the host, the Recording badge for a viewer', async () => {
    host = await signIn(browser, base, 'Rita Recorder');
    await host.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Go Live' }).click();
    await host.page.getByLabel('Title').fill(title);
    await host.page.getByRole('button', { name: 'Start live' }).click();
    await host.page.waitForURL(/\/studio\/[0-9a-f-]{36}$/);
    sessionId = host.page.url().split('/').at(-1) ?? '';
    await framesPlayed(host.page, '.room-video video', 5);

    viewer = await signIn(browser, base, 'Vic Viewer');
    await viewer.page.goto(`${base}/watch/${sessionId}`);
    await framesPlayed(viewer.page, '.watch-stage video', 3);
    assert.equal(await viewer.page.getByTestId('recording-badge').count(), 0, 'no badge before a recording');

    await host.page.getByRole('button', { name: 'Record' }).click();
    const rec = host.page.getByTestId('rec-indicator');
    await rec.waitFor();
    await viewer.page.getByTestId('recording-badge').filter({ hasText: 'Recording' }).waitFor();
    // The timer runs: it shows a later time a little later.
    const first = await rec.locator('.live-timer').textContent();
    await eventually(async () => (await rec.locator('.live-timer').textContent()) !== first, {
      what: 'the REC timer to tick',
      timeoutMs: 5_000,
    });
    await screenshots(host.page, '17-studio-recording');
    await screenshots(viewer.page, '18-watch-recording-badge');
  });

  it('chat at known times, a pin, then Stop: the badge goes and the recording becomes ready', async () => {
    assert.ok(sessionId, 'an earlier step failed: see the first failure');
    await say(viewer.page, 'first: right after the start');
    await chatLine(host.page, 'first: right after the start').waitFor();
    await sleep(1_500);
    const first = host.page.locator('.chat-message').filter({ hasText: 'first: right after the start' });
    await first.hover();
    await first.getByRole('button', { name: 'Pin message from Vic Viewer' }).click();
    await sleep(2_000);
    await say(host.page, 'second: in the middle');
    await chatLine(viewer.page, 'second: in the middle').waitFor();
    await sleep(1_000);
    // A message the host deletes while recording: the replay shows it until then, "deleted" after.
    await say(viewer.page, 'oops: deleted soon');
    const oops = host.page.locator('.chat-message').filter({ hasText: 'oops: deleted soon' });
    await oops.waitFor();
    await sleep(1_000);
    await oops.hover();
    await oops.getByRole('button', { name: 'Delete message from Vic Viewer' }).click();
    await chatLine(viewer.page, 'oops: deleted soon').waitFor({ state: 'detached' });
    await sleep(1_000);
    await say(viewer.page, 'third: near the end');
    await chatLine(host.page, 'third: near the end').waitFor();
    await sleep(1_500);

    await host.page.getByRole('button', { name: 'Stop recording' }).click();
    await host.page.getByTestId('rec-indicator').waitFor({ state: 'detached' });
    await viewer.page.getByTestId('recording-badge').waitFor({ state: 'detached' });
    await host.page.getByRole('button', { name: 'Record' }).waitFor();

    const token = await tokenOf(host.page);
    await eventually(
      async () => {
        const list = await stack.request<{ items: Array<{ id: string; status: string; durationSec: number | null }> }>(
          'GET',
          `/v1/sessions/${sessionId}/recordings`,
          { token },
        );
        const done = list.body.items[0];
        if (done?.status === 'failed') throw new Error(`the recording failed: ${JSON.stringify(done)}`);
        recordingId = done?.status === 'ready' ? done.id : '';
        return recordingId !== '';
      },
      { what: 'the recording to be ready', timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it("the live's summary lists the recording, ready, with a link to its replay", async () => {
    assert.ok(recordingId, 'an earlier step failed: see the first failure');
    await host.page.goto(`${base}/sessions/${sessionId}/summary`);
    const recordings = host.page.getByRole('region', { name: 'Recordings of this live' });
    const row = recordings.locator(`.replay-row[data-status="ready"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', / · \d+:\d{2}$/, 'with its duration after its start time');
    assert.equal(await recordings.getByRole('link', { name: 'Watch the replay' }).getAttribute('href'), `/replays/${recordingId}`);
  });

  it('Replays lists it with status and duration; the replay page plays it and shows the chat as it was at second N', async () => {
    assert.ok(recordingId, 'an earlier step failed: see the first failure');
    const page = host.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Replays' }).click();
    const row = page.locator('.replay-row').filter({ hasText: title });
    await row.filter({ hasText: 'Ready' }).waitFor();
    assert.match((await row.textContent()) ?? '', /\d+:\d\d/, 'the duration is shown');
    await screenshots(page, '19-replays');

    await row.getByRole('link', { name: `Play: ${title}` }).click();
    await page.waitForURL(`${base}/replays/${recordingId}`);
    const video = page.locator('video.replay-video');
    await page.waitForFunction(() => ((document.querySelector('video.replay-video') as HTMLVideoElement | null)?.readyState ?? 0) >= 1);
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    const played = await framesPlayed(page, 'video.replay-video', 5);
    assert.ok(played.width > 0 && played.height > 0, `the file plays: ${played.width}x${played.height}`);
    const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await eventually(async () => (await video.evaluate((v: HTMLVideoElement) => v.currentTime)) > t0 + 0.5, {
      what: 'currentTime to advance',
    });
    await video.evaluate((v: HTMLVideoElement) => v.pause());

    // The server's own offsets of the three messages, on the recording's clock.
    const chat = await stack.request<RecordingChat>('GET', `/v1/recordings/${recordingId}/chat`, { token: await tokenOf(page) });
    const offsetOf = (text: string) => {
      const found = chat.body.messages.find((m) => m.text === text);
      assert.ok(found, `"${text}" is in the recording's chat`);
      return found.offsetMs;
    };
    const [firstMs, secondMs, thirdMs] = [
      offsetOf('first: right after the start'),
      offsetOf('second: in the middle'),
      offsetOf('third: near the end'),
    ];
    assert.ok(firstMs < secondMs && secondMs < thirdMs, `offsets in order: ${firstMs}, ${secondMs}, ${thirdMs}`);
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    console.log(`recording: ${duration.toFixed(2)} s of video; messages at ${firstMs}, ${secondMs}, ${thirdMs} ms`);
    // The recording was stopped 1.5 s after the last message; the recorder may lose up to a second.
    assert.ok(duration * 1000 > thirdMs, `the video (${duration} s) lasts past the last message (${thirdMs} ms)`);

    const lines = page.locator('.replay-chat .chat-text');
    const seek = async (seconds: number) => {
      await video.evaluate(
        (v: HTMLVideoElement, to: number) =>
          new Promise<void>((done) => {
            v.addEventListener('seeked', () => done(), { once: true });
            v.currentTime = to;
          }),
        seconds,
      );
    };
    // At second N (the second message's), it is shown and the later one is not.
    const n = Math.ceil(secondMs / 1000);
    await seek(n);
    await lines.filter({ hasText: 'second: in the middle' }).waitFor();
    assert.equal(await lines.filter({ hasText: 'third: near the end' }).count(), 0, 'a message sent later is not shown yet');
    await page.getByRole('region', { name: 'Pinned message' }).filter({ hasText: 'first: right after the start' }).waitFor();
    await screenshots(page, '20-replay');

    // Backwards, to before the second message: it goes again; the first stays.
    await seek(Math.max(0, secondMs / 1000 - 1));
    await lines.filter({ hasText: 'second: in the middle' }).waitFor({ state: 'detached' });
    await lines.filter({ hasText: 'first: right after the start' }).waitFor();
    // The deleted message: shown as it was sent, "deleted" from its deletion on.
    const oops = chat.body.messages.find((m) => m.text === 'oops: deleted soon');
    assert.ok(oops?.deletedOffsetMs !== undefined, `the deleted message has its deletion time: ${JSON.stringify(oops)}`);
    await seek((oops.offsetMs + oops.deletedOffsetMs) / 2000);
    await lines.filter({ hasText: 'oops: deleted soon' }).waitFor();
    await seek(oops.deletedOffsetMs / 1000 + 0.3);
    await lines.filter({ hasText: 'oops: deleted soon' }).waitFor({ state: 'detached' });
    await lines.filter({ hasText: 'Message deleted' }).waitFor();
    // Forwards past the last: all of them, the deleted one as "deleted".
    await seek(thirdMs / 1000 + 0.5);
    await lines.filter({ hasText: 'third: near the end' }).waitFor();
    assert.equal(await lines.count(), 4);
  });

  it('the host makes it public and a viewer plays it; the host deletes it', async () => {
    assert.ok(recordingId, 'an earlier step failed: see the first failure');
    await viewer.page.goto(`${base}/replays/${recordingId}`);
    await viewer.page.locator('.replay [role="alert"]').waitFor();

    await host.page.goto(`${base}/replays`);
    await host.page.getByRole('switch', { name: `Public: ${title}` }).check();
    await eventually(
      async () =>
        (
          await stack.request<{ items: Array<{ visibility: string }> }>('GET', `/v1/sessions/${sessionId}/recordings`, {
            token: await tokenOf(host.page),
          })
        ).body.items[0]?.visibility === 'public',
      { what: 'the recording to be public' },
    );
    await viewer.page.goto(`${base}/replays`);
    await viewer.page.getByRole('link', { name: `Play: ${title}` }).click();
    await viewer.page.waitForURL(`${base}/replays/${recordingId}`);
    await viewer.page.waitForFunction(
      () => ((document.querySelector('video.replay-video') as HTMLVideoElement | null)?.readyState ?? 0) >= 1,
    );
    // Started by hand, muted (as autoplay allows); then it presents frames.
    await viewer.page.locator('video.replay-video').evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    const played = await framesPlayed(viewer.page, 'video.replay-video', 3);
    assert.ok(played.width > 0, 'the viewer plays the public recording');

    await host.page.getByRole('button', { name: `Delete ${title}` }).click();
    await host.page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await host.page.locator('.replay-row').filter({ hasText: title }).waitFor({ state: 'detached' });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The signed-in user's token, as the app keeps it. */
function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(sessionStorage.getItem('golive.auth') ?? '{}') as { token: string }).token);
}
