import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PlatformStats, SessionStats, TelemetryReport } from '@golive/sdk';
import type { Page } from 'playwright-core';
import { eventually, TestStack, userToken } from '../server/test/harness.ts';
import { ARTIFACTS, framesPlayed, launchChromium, type Person, screenshotAfterEachStep, screenshots, signIn } from './browser.ts';
import { ensureWebBuild } from './web-build.ts';

const WATCH_VIDEO = '.watch-stage figure[data-source="camera"] video';
const TELEMETRY_PATH = /^\/v1\/sessions\/[0-9a-f-]{36}\/telemetry$/;

/** A telemetry report one of the pages sent, and golive's answer. */
type Sent = { from: string; body: TelemetryReport; status: number };

describe('analytics in the web app, after a real live in Chromium', () => {
  let stack: TestStack;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let base: string;
  let host: Person;
  let val: Person;
  let vic: Person;
  let sessionId = '';
  const sent: Sent[] = [];
  const title = 'Analytics live';

  /** Every telemetry report the person's page sends, with golive's answer. */
  const recordTelemetry = (person: Person) =>
    person.page.on('response', (res) => {
      const request = res.request();
      if (request.method() !== 'POST' || !TELEMETRY_PATH.test(new URL(res.url()).pathname)) return;
      sent.push({ from: person.name, body: request.postDataJSON() as TelemetryReport, status: res.status() });
    });
  const hostStats = async () => {
    const res = await stack.request<SessionStats>('GET', `/v1/sessions/${sessionId}/stats`, { token: await userToken(host.userId) });
    assert.equal(res.status, 200);
    return res.body;
  };
  const watch = async (name: string) => {
    const person = await signIn(browser, base, name);
    recordTelemetry(person);
    await person.page.goto(`${base}/watch/${sessionId}`);
    await framesPlayed(person.page, WATCH_VIDEO, 5);
    return person;
  };

  before(async () => {
    ensureWebBuild();
    browser = await launchChromium();
    stack = await TestStack.start();
    base = `http://localhost:${stack.port}`;
  });
  screenshotAfterEachStep('analytics', () => [host, val, vic]);
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('during a live, the watching and publishing pages send their WebRTC stats every 10 s', async () => {
    host = await signIn(browser, base, 'Hana Host');
    recordTelemetry(host);
    await host.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Go Live' }).click();
    await framesPlayed(host.page, 'video[aria-label="Your camera preview"]', 3);
    await host.page.getByLabel('Title').fill(title);
    await host.page.getByRole('button', { name: 'Start live' }).click();
    await host.page.waitForURL(/\/studio\/[0-9a-f-]{36}$/);
    sessionId = host.page.url().split('/').at(-1) ?? '';
    await framesPlayed(host.page, '.room-video video', 5);

    val = await watch('Val Viewer');
    vic = await watch('Vic Viewer');
    // The truth of who joined: both viewers watch at once, and the host's live count says so.
    await host.page
      .getByTestId('viewer-count')
      .filter({ hasText: /^\D*2\D*$/ })
      .first()
      .waitFor();

    const first = await eventually(() => sent.find((s) => s.from === 'Val Viewer' && s.body.direction === 'receive'), {
      timeoutMs: 20_000,
      what: "the watching page's first receive report",
    });
    console.log(`first receive report from the watching page: ${JSON.stringify(first.body)}`);
    assert.equal(first.status, 204, 'golive accepted it');
    assert.ok(first.body.bytes > 0 && first.body.packets > 0, 'media arrived');
    assert.ok((first.body.framesDecoded ?? 0) > 0, 'video frames were decoded');
    const firstFrame = first.body.timeToFirstFrameMs ?? 0;
    assert.ok(firstFrame > 0 && firstFrame < 15_000, `time to first frame ${firstFrame} ms`);
    assert.equal(first.body.connectAttempts, 1);
    assert.equal(first.body.connectFailures, 0);
    const published = await eventually(() => sent.find((s) => s.from === 'Hana Host' && s.body.direction === 'send'), {
      timeoutMs: 20_000,
      what: "the studio's first send report",
    });
    assert.ok(published.body.bytes > 0, 'the host page reports what it publishes');
  });

  it('chat and reactions, a viewer leaving, and the host ending the live land on the summary with the right peak', async () => {
    assert.ok(vic, 'an earlier step failed: see the first failure');
    const input = val.page.getByLabel('Chat message');
    await input.fill('what a view');
    await input.press('Enter');
    await host.page.locator('.chat-list .chat-text').filter({ hasText: 'what a view' }).waitFor();
    for (const emoji of ['❤️', '❤️', '🔥']) await val.page.getByRole('button', { name: `React with ${emoji}` }).click();
    await host.page.getByTestId('reaction-totals').filter({ hasText: '❤️ 2' }).filter({ hasText: '🔥 1' }).waitFor();

    await vic.context.close();
    await host.page
      .getByTestId('viewer-count')
      .filter({ hasText: /^\D*1\D*$/ })
      .first()
      .waitFor();

    await host.page.getByRole('button', { name: 'End live' }).click();
    await host.page.getByRole('dialog').getByRole('button', { name: 'End live' }).click();
    await host.page.waitForURL(`${base}/sessions/${sessionId}/summary`);
    await host.page.getByRole('heading', { name: 'Your live has ended' }).waitFor();
    await host.page.locator('.chart-plot canvas').nth(2).waitFor();

    const stats = await hostStats();
    assert.equal(stats.status, 'ended');
    assert.equal(stats.peakViewers, 2, 'two viewers watched at once');
    assert.equal(stats.uniqueViewers, 2);
    assert.deepEqual(stats.chat, { messages: 1, chatters: 1 });
    assert.deepEqual(stats.reactions, { '❤️': 2, '🔥': 1 });
    assert.equal(await total(host.page, 'peak-viewers'), '2', "the summary's peak is getSessionStats' peak");
    assert.equal(await total(host.page, 'unique-viewers'), String(stats.uniqueViewers));
    assert.equal(await total(host.page, 'chat-messages'), '1');
    assert.equal(await total(host.page, 'reactions'), '3');
    assert.equal(await total(host.page, 'average-viewers'), stats.averageViewers.toFixed(2));
    const chart = host.page.getByRole('figure', { name: 'Viewers over time' });
    assert.equal(await chart.getAttribute('data-max'), '2', 'the chart plots the peak');
    assert.equal(Math.max(...stats.retention.map((r) => r.viewers)), 2);
    await host.page.getByRole('region', { name: 'Top moments' }).getByText('3 reactions').waitFor();
    await screenshots(host.page, '20-summary');
    await host.page.screenshot({ path: `${ARTIFACTS}/20-summary-full.png`, fullPage: true });
  });

  it("telemetry reached golive: the session's media stats add up exactly what the pages sent", async () => {
    assert.ok(sessionId && host, 'an earlier step failed: see the first failure');
    const accepted = () => sent.filter((s) => s.status === 204);
    const sum = (direction: TelemetryReport['direction']) =>
      accepted()
        .filter((s) => s.body.direction === direction)
        .reduce((n, s) => n + s.body.bytes, 0);
    const media = await eventually(
      async () => {
        const m = (await hostStats()).media;
        return m.reports === accepted().length && m.bytesReceived === sum('receive') && m.bytesSent === sum('send') && m;
      },
      { what: 'the media stats to equal the reports the pages sent' },
    );
    console.log(`media: ${JSON.stringify(media)}`);
    console.log(`reports: ${sent.map((s) => `${s.from} ${s.body.direction} ${s.body.intervalMs} ms ${s.status}`).join('; ')}`);
    assert.deepEqual(
      sent.filter((s) => s.status !== 204),
      [],
      'golive accepted every report the app built',
    );
    const reporters = new Set(accepted().map((s) => s.from));
    assert.ok(reporters.has('Hana Host') && reporters.has('Val Viewer'), [...reporters].join(', '));
    assert.equal(media.clients, reporters.size, 'one client per page that reported');
    assert.equal(media.connectionSuccessRate, 1);
    assert.ok((media.receiveKbps ?? 0) > 0 && (media.sendKbps ?? 0) > 0, 'bitrates in both directions');
    assert.ok((media.averageTimeToFirstFrameMs ?? 0) > 0);
    assert.notEqual(media.droppedFrameRatio, null);
    await host.page.getByRole('region', { name: 'Stream quality' }).getByText('100%').waitFor();
  });

  it("the summary is reachable afterwards from the host's past lives", async () => {
    assert.ok(sessionId && host, 'an earlier step failed: see the first failure');
    await host.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Past lives' }).click();
    await host.page.getByRole('link', { name: `Summary of ${title}` }).click();
    await host.page.waitForURL(`${base}/sessions/${sessionId}/summary`);
    assert.equal(await total(host.page, 'peak-viewers'), '2');
  });

  it('the admin dashboard shows the platform figures for a range', async () => {
    assert.ok(sessionId, 'an earlier step failed: see the first failure');
    const admin = await signIn(browser, base, 'Ada Admin', { admin: true });
    const page = admin.page;
    const answer = (r: { url(): string }) => new URL(r.url()).pathname === '/v1/admin/stats';
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    const [response] = await Promise.all([page.waitForResponse(answer), page.getByRole('link', { name: 'Platform stats' }).click()]);
    const platform = (await response.json()) as PlatformStats;
    const session = await hostStats();
    // This stack's database holds this test's one live only: the truth is that live.
    assert.equal(platform.sessionsStarted, 1);
    assert.equal(platform.sessionsEnded, 1);
    assert.equal(platform.sessionsFailed, 0);
    assert.equal(platform.peakConcurrentSessions, 1);
    assert.equal(platform.peakConcurrentViewers, 2);
    assert.ok(Math.abs(platform.minutesWatched - session.watchTimeSec.total / 60) < 0.011, `${platform.minutesWatched} min`);
    for (const [id, value] of [
      ['sessions-started', '1'],
      ['sessions-failed', '0'],
      ['failure-rate', '0%'],
      ['sessions-ended', '1'],
      ['peak-sessions', '1'],
      ['peak-viewers', '2'],
    ] as const) {
      assert.equal(await total(page, id), value, id);
    }
    await page.locator('.chart-plot canvas').nth(1).waitFor();
    assert.equal(await page.getByRole('figure', { name: 'Viewers', exact: true }).getAttribute('data-max'), '2');

    const [lastHour] = await Promise.all([page.waitForResponse(answer), page.getByRole('button', { name: 'Last hour' }).click()]);
    const hour = (await lastHour.json()) as PlatformStats;
    assert.equal(Date.parse(hour.to) - Date.parse(hour.from), 3_600_000);
    assert.equal(hour.bucketSec, 60);
    assert.equal(hour.peakConcurrentViewers, 2);
    await page.getByTestId('platform-window').getByText('one point per 1 min').waitFor();
    assert.equal(await total(page, 'peak-viewers'), '2');
    await screenshots(page, '21-admin-stats');
    await page.screenshot({ path: `${ARTIFACTS}/21-admin-stats-full.png`, fullPage: true });
    await admin.context.close();
  });
});

/** The value shown for one total of a totals list. */
async function total(page: Page, id: string): Promise<string> {
  return ((await page.getByTestId(`total-${id}`).locator('dd').first().textContent()) ?? '').trim();
}
