import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { TestStack, userToken } from '../server/test/harness.ts';
import { chatLine, framesPlayed, launchChromium, type Person, say, screenshotAfterEachStep, screenshots, signIn } from './browser.ts';
import { ensureWebBuild } from './web-build.ts';

/** The viewer's main video on the Watch screen (the host alone fills the stage). */
const WATCH_VIDEO = '.watch-stage figure[data-source="camera"] video';

describe('web app in Chromium, against golive and its livekit-server', () => {
  let stack: TestStack;
  let browser: Browser;
  let base: string;
  let host: Person;
  let viewer: Person;
  let watcher: Person;
  let sessionId: string;
  const title = 'Sunset session';

  before(async () => {
    ensureWebBuild();
    browser = await launchChromium();
    stack = await TestStack.start();
    // localhost, not 127.0.0.1: getUserMedia needs a secure origin, and localhost is one.
    base = `http://localhost:${stack.port}`;
  });
  screenshotAfterEachStep('after', () => [host, viewer, watcher]);
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a host previews the camera, goes live, and sees the LIVE badge and its own video', async () => {
    host = await signIn(browser, base, 'Hana Host', { screenshot: '01-sign-in', keyboard: true });
    const page = host.page;
    await page.getByRole('heading', { name: 'Nobody is live right now' }).waitFor();
    await screenshots(page, '02-browse-empty');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Go Live' }).click();
    const preview = await framesPlayed(page, 'video[aria-label="Your camera preview"]', 3);
    assert.ok(preview.width > 0, 'the camera preview shows the fake camera');
    await page.locator('select option', { hasText: 'fake' }).first().waitFor({ state: 'attached' });
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Tags').fill('music, e2e');
    await screenshots(page, '03-go-live');

    await page.getByRole('button', { name: 'Start live' }).click();
    await page.waitForURL(/\/studio\/[0-9a-f-]{36}$/);
    sessionId = page.url().split('/').at(-1) ?? '';
    await page.locator('.live-badge').filter({ hasText: 'LIVE' }).first().waitFor();
    const own = await framesPlayed(page, '.room-video video', 5);
    assert.ok(own.width > 0, 'the host sees its own published camera');
  });

  it('a viewer finds the session on Browse, opens it, and plays real frames', async () => {
    assert.ok(sessionId, 'the host is not live: see the first failure');
    viewer = await signIn(browser, base, 'Val Viewer');
    const page = viewer.page;
    const card = page.getByRole('link', { name: `Watch: ${title} by Hana Host` });
    await card.waitFor();
    await page.getByRole('button', { name: '#e2e' }).waitFor();
    await screenshots(page, '04-browse');

    // Time from the click on Watch to the first video frame the page renders, on the page's clock.
    await page.evaluate(() => {
      const w = window as unknown as { firstFrame: Promise<number> };
      w.firstFrame = new Promise((resolve) => {
        let clickedAt = 0;
        document.addEventListener('click', () => (clickedAt ||= performance.now()), { capture: true, once: true });
        const observer = new MutationObserver(() => {
          const video = document.querySelector<HTMLVideoElement>('.watch-stage video');
          if (!video) return;
          observer.disconnect();
          video.requestVideoFrameCallback((now) => resolve(now - clickedAt));
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
    });
    await card.click();
    const clickToFrameMs = await page.evaluate(() => (window as unknown as { firstFrame: Promise<number> }).firstFrame);
    console.log(`click Watch → first rendered frame: ${Math.round(clickToFrameMs)} ms`);
    assert.ok(clickToFrameMs > 0 && clickToFrameMs < 15_000, `click to first frame: ${clickToFrameMs} ms`);

    const played = await framesPlayed(page, WATCH_VIDEO, 10);
    assert.ok(played.width > 0 && played.height > 0, `videoWidth ${played.width}`);
    assert.ok(played.frames >= 9, `presented frames advanced by ${played.frames}`);
    await host.page.getByTestId('viewer-count').filter({ hasText: /[1-9]/ }).first().waitFor();
    await screenshots(page, '05-watch');

    await page.getByRole('button', { name: 'Picture in picture' }).click();
    await page.waitForFunction(() => document.pictureInPictureElement instanceof HTMLVideoElement);
    await page.getByRole('button', { name: 'Picture in picture' }).click();
    await page.waitForFunction(() => document.pictureInPictureElement === null);
  });

  it('Browse shows a session going live within 1 s and drops it when it ends, with no reload and no polling', async () => {
    const browsing = await signIn(browser, base, 'Bea Browser');
    const page = browsing.page;
    try {
      // Browse reads the list on load and again when the feed is joined (so nothing from in between
      // is missed); a join while the first read is in flight cancels it. So one or two reads
      // complete, and any read after that would be polling. signIn leaves the page on Browse, whose
      // own reads (its feed joining) may still come: leave it first, and count only this load's.
      await page.goto('about:blank');
      const sent = new Set<unknown>();
      let listReads = 0;
      const isListRead = (url: string, method: string) => new URL(url).pathname === '/v1/sessions' && method === 'GET';
      page.on('request', (r) => void (isListRead(r.url(), r.method()) && sent.add(r)));
      page.on('requestfinished', (r) => void (sent.has(r) && listReads++));
      await page.goto(base);
      await page.getByRole('link', { name: `Watch: ${title} by Hana Host` }).waitFor();
      await page.waitForFunction(() => document.readyState === 'complete');
      await page.getByRole('status').filter({ hasText: 'Updating live' }).waitFor();
      // The read the join asked for has had time to complete.
      await page.waitForLoadState('networkidle');
      const readsOnLoad = listReads;
      assert.ok(readsOnLoad >= 1 && readsOnLoad <= 2, `${readsOnLoad} completed list reads on load (one or two expected)`);
      await page.evaluate(() => {
        (window as unknown as { sameDocument: boolean }).sameDocument = true;
      });

      const otherHost = await userToken('feed-host', { name: 'Fei Feed' });
      const created = await stack.request<{ session: { id: string } }>('POST', '/v1/sessions', {
        token: otherHost,
        body: { title: 'Fresh on the feed', mode: 'broadcast', visibility: 'public', tags: ['fresh'] },
      });
      assert.equal(created.status, 201);
      const liveAt = Date.now();
      const card = page.getByRole('link', { name: 'Watch: Fresh on the feed by Fei Feed' });
      await card.waitFor({ timeout: 5_000 });
      const shownMs = Date.now() - liveAt;
      console.log(`session live → card on Browse: ${shownMs} ms`);
      assert.ok(shownMs < 1000, `the new session took ${shownMs} ms to appear`);
      await page.getByRole('button', { name: '#fresh' }).waitFor();

      const ended = await stack.request('POST', `/v1/sessions/${created.body.session.id}/end`, { token: otherHost, body: {} });
      assert.equal(ended.status, 200);
      await card.waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(
        await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
        true,
        'the page was not reloaded',
      );
      assert.equal(listReads, readsOnLoad, 'the list was not read again: the feed brought both changes');
    } finally {
      await browsing.context.close();
    }
  });

  it('chat goes both ways as text; pin, delete and settings apply live; a viewer reaction reaches the host', async () => {
    assert.ok(viewer, 'an earlier step failed: see the first failure');
    await say(viewer.page, 'hi from the viewer');
    await chatLine(host.page, 'hi from the viewer').waitFor();
    await say(host.page, 'welcome to the show');
    await chatLine(viewer.page, 'welcome to the show').waitFor();

    const markup = '<img src=x onerror="document.body.dataset.pwned=1">';
    await say(viewer.page, markup);
    await chatLine(host.page, markup).waitFor();
    assert.equal(await host.page.locator('.chat-list img').count(), 0, 'chat markup is shown as text, not parsed');
    assert.equal(await host.page.evaluate(() => document.body.dataset.pwned), undefined);

    // Moderation from the studio's chat: pin reaches the viewer, delete removes the message for everyone.
    const welcome = host.page.locator('.chat-message').filter({ hasText: 'welcome to the show' });
    await welcome.hover();
    await welcome.getByRole('button', { name: 'Pin message from Hana Host' }).click();
    await viewer.page.getByRole('region', { name: 'Pinned message' }).filter({ hasText: 'welcome to the show' }).waitFor();
    const markupLine = host.page.locator('.chat-message').filter({ hasText: markup });
    await markupLine.hover();
    await markupLine.getByRole('button', { name: 'Delete message from Val Viewer' }).click();
    await chatLine(viewer.page, markup).waitFor({ state: 'detached' });

    // Settings apply live: chat off disables the viewer's input, and back on.
    await host.page.getByRole('tab', { name: 'Settings' }).click();
    await host.page.getByRole('switch', { name: 'Chat' }).uncheck();
    await viewer.page.getByPlaceholder('Chat is off').waitFor();
    assert.equal(await viewer.page.getByLabel('Chat message').isDisabled(), true);
    await host.page.getByRole('switch', { name: 'Chat' }).check();
    await viewer.page.getByPlaceholder('Send a message').waitFor();
    await host.page.getByRole('tab', { name: 'Chat' }).click();

    const react = viewer.page.getByRole('button', { name: /^React with / }).first();
    const emoji = (await react.textContent())?.trim() ?? '';
    await react.click();
    await host.page.getByTestId('floating-reaction').filter({ hasText: emoji }).first().waitFor({ state: 'attached' });
    await host.page.getByTestId('reaction-totals').filter({ hasText: emoji }).waitFor();
    await screenshots(host.page, '06-studio');
  });

  it('the viewer asks to join the stage, the host approves, and a third viewer sees the guest', async () => {
    assert.ok(viewer, 'an earlier step failed: see the first failure');
    await viewer.page.getByRole('button', { name: 'Ask to join the stage' }).click();
    await viewer.page.getByText('Waiting for the host to let you in').waitFor();

    await host.page.getByRole('tab', { name: /Stage/ }).click();
    await host.page.getByRole('button', { name: 'Approve Val Viewer' }).click();

    const goOnStage = viewer.page.getByRole('dialog').getByRole('button', { name: 'Go on stage' });
    await goOnStage.waitFor();
    await screenshots(viewer.page, '07-device-check');
    await goOnStage.click();
    await viewer.page
      .getByRole('dialog')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);

    watcher = await signIn(browser, base, 'Wes Watcher');
    await watcher.page.goto(`${base}/watch/${sessionId}`);
    const guest = await framesPlayed(watcher.page, 'figure[aria-label="Video: Val Viewer"] video', 5);
    assert.ok(guest.width > 0, 'the guest tile plays for a viewer-only context');
    await framesPlayed(watcher.page, 'figure[aria-label="Video: Hana Host"] video', 5);
    await screenshots(watcher.page, '08-watch-stage-grid');
    await host.page.getByRole('button', { name: 'Move Val Viewer off stage' }).waitFor();
    await screenshots(host.page, '09-studio-stage-panel');

    // Promoted to co-host, the guest gets the stage controls on the Watch screen.
    await host.page.getByRole('button', { name: 'Make Val Viewer a co-host' }).click();
    await viewer.page.getByText('Stage (co-host)').click();
    await viewer.page.getByRole('button', { name: 'Kick Wes Watcher' }).waitFor();
  });

  it("the host's screen share reaches a viewer", async () => {
    assert.ok(watcher, 'an earlier step failed: see the first failure');
    await host.page.getByRole('button', { name: 'Share screen' }).click();
    const screen = await framesPlayed(watcher.page, '.watch-stage figure[data-source="screen"] video', 5);
    assert.ok(screen.width > 0, 'the fake screen capture plays for the viewer');
    await screenshots(watcher.page, '10-watch-screen-share');
    await host.page.getByRole('button', { name: 'Share screen' }).click();
    await watcher.page.locator('.watch-stage figure[data-source="screen"]').waitFor({ state: 'detached' });
  });

  it('kick and ban show the right state to their target', async () => {
    assert.ok(watcher, 'an earlier step failed: see the first failure');
    await host.page.getByRole('button', { name: 'Kick Val Viewer' }).click();
    await viewer.page.locator('[data-state="kicked"]').waitFor();
    await screenshots(viewer.page, '11-kicked');

    await host.page.getByRole('button', { name: 'Ban Wes Watcher' }).click();
    await host.page.getByRole('dialog').getByRole('button', { name: 'Ban', exact: true }).click();
    await watcher.page.locator('[data-state="banned"]').waitFor();
    await watcher.page.reload();
    await watcher.page.locator('[data-state="banned"]').waitFor();
    await screenshots(watcher.page, '12-banned');

    // Kicked is not banned: the guest may come back, as a viewer off the stage, and ask again.
    await viewer.page.goto(`${base}/watch/${sessionId}`);
    await framesPlayed(viewer.page, WATCH_VIDEO, 3);
    await viewer.page.getByRole('button', { name: 'Ask to join the stage' }).waitFor();
  });

  it('an admin sees every live session (private too), open reports, event logs, and uses the kill-switch', async () => {
    assert.ok(viewer, 'an earlier step failed: see the first failure');
    const hostMessage = viewer.page.locator('.chat-message').filter({ hasText: 'welcome to the show' });
    await hostMessage.hover();
    await hostMessage.getByRole('button', { name: 'Report message from Hana Host' }).click();
    await viewer.page.getByText('Thanks, reported.').waitFor();

    const privateHost = await userToken('private-host', { name: 'Pia Private' });
    const created = await stack.request<{ session: { id: string } }>('POST', '/v1/sessions', {
      token: privateHost,
      body: { title: 'Private audit', mode: 'broadcast', visibility: 'private' },
    });
    assert.equal(created.status, 201);
    // Not for everyone: a plain viewer who opens it gets the clear "not allowed" state.
    await viewer.page.goto(`${base}/watch/${created.body.session.id}`);
    await viewer.page.locator('[data-state="forbidden"]').waitFor();
    await screenshots(viewer.page, '13-not-allowed');
    await viewer.page.goto(`${base}/watch/${sessionId}`);
    await framesPlayed(viewer.page, WATCH_VIDEO, 3);

    const admin = await signIn(browser, base, 'Ada Admin', { admin: true });
    await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await admin.page.getByText('Private audit').waitFor();
    await admin.page.getByText(title).waitFor();
    await admin.page.getByText('Reported from chat').waitFor();
    await admin.page.getByRole('button', { name: `Event log of ${title}` }).click();
    await admin.page.locator('table.events').getByText('live.stage.request.approved').waitFor();
    await screenshots(admin.page, '14-admin');

    await admin.page.getByRole('button', { name: 'End Private audit' }).click();
    await admin.page.getByRole('dialog').getByLabel('Reason (shown in the event log)').fill('terms violation');
    await admin.page.getByRole('dialog').getByRole('button', { name: 'End live' }).click();
    await admin.page.getByText('Private audit').waitFor({ state: 'detached' });
    const ended = await stack.request<{ status: string; endReason: string }>('GET', `/v1/sessions/${created.body.session.id}`, {
      token: privateHost,
    });
    assert.equal(ended.body.status, 'ended');
    assert.equal(ended.body.endReason, 'terms violation');
    await admin.context.close();
  });

  it('End shows the ended state to the host and to every viewer', async () => {
    assert.ok(viewer, 'an earlier step failed: see the first failure');
    await host.page.getByRole('button', { name: 'End live' }).click();
    await host.page.getByRole('dialog').getByRole('button', { name: 'End live' }).click();
    await host.page.locator('[data-state="ended"]').waitFor();
    await viewer.page.locator('[data-state="ended"]').waitFor();
    await screenshots(viewer.page, '15-ended');
  });

  it('an interactive session uses the meeting layout', async () => {
    const page = host.page;
    await page.goto(`${base}/go-live`);
    await page.getByLabel('Title').fill('Team sync');
    await page.getByRole('radio', { name: 'Meeting' }).check();
    await page.getByRole('button', { name: 'Start live' }).click();
    await page.locator('.lk-video-conference .lk-participant-tile').first().waitFor();
    await framesPlayed(page, '.lk-video-conference video', 3);
    await page.locator('.lk-control-bar').waitFor();
    await screenshots(page, '16-meeting');
  });
});
