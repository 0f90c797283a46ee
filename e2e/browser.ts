// Debian's Chromium under playwright-core, with a fake camera, microphone and screen.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.GOLIVE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../artifacts/e2e');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Fake camera and microphone; with the fake UI, getDisplayMedia picks a fake screen by itself.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** A missing Chromium fails the suite with the command that installs it; it never skips. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium fonts-noto-color-emoji  (./golive test installs it)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export type Person = { context: BrowserContext; page: Page; name: string; userId: string };

/** A new browser profile signed in through the app's dev login, as a person would. */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  name: string,
  options: { admin?: boolean; screenshot?: string; keyboard?: boolean } = {},
): Promise<Person> {
  const context = await browser.newContext({ viewport: DESKTOP, permissions: ['camera', 'microphone'] });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByLabel('Your name').fill(name);
  if (options.screenshot) await screenshots(page, options.screenshot);
  if (options.admin) await page.getByLabel('Sign in as an admin').check();
  if (options.keyboard) {
    // By keyboard only: Tab to the admin checkbox and on to the button, then Enter.
    await page.getByLabel('Your name').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    if (focused !== 'Sign in (dev mode)') throw new Error(`Tab order: expected the sign-in button, focus is on ${focused}`);
    await page.keyboard.press('Enter');
  } else {
    await page.getByRole('button', { name: 'Sign in (dev mode)' }).click();
  }
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  const userId = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('golive.auth') ?? '{}') as { user: { id: string } }).user.id);
  return { context, page, name, userId };
}

/** Saves the page at desktop and phone width under artifacts/e2e/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await settled(page);
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}-desktop.png`) });
  await page.setViewportSize(PHONE);
  await settled(page);
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}-phone.png`) });
  await page.setViewportSize(original);
  await settled(page);
}

/** Two animation frames: the layout for a new viewport has been computed and painted. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
}

/** Resolves once the first <video> matching selector has shown `count` new frames; returns what it saw. */
export async function framesPlayed(page: Page, selector: string, count = 10): Promise<{ width: number; height: number; frames: number }> {
  await page.locator(selector).first().waitFor();
  return page.evaluate(
    ({ selector, count }) =>
      new Promise<{ width: number; height: number; frames: number }>((resolve, reject) => {
        const video = document.querySelector<HTMLVideoElement>(selector);
        if (!video) return reject(new Error(`no video at ${selector}`));
        const seen: number[] = [];
        const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
          seen.push(meta.presentedFrames);
          if (seen.length >= count)
            resolve({ width: video.videoWidth, height: video.videoHeight, frames: (seen.at(-1) ?? 0) - (seen[0] ?? 0) });
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      }),
    { selector, count },
  );
}

/**
 * After every test of the calling describe, the last view of each open page, named
 * `<prefix>-step-<n>-<first name>.png` under artifacts/e2e/, to look at when a step fails.
 */
export function screenshotAfterEachStep(prefix: string, people: () => readonly (Person | undefined)[]): void {
  let step = 0;
  afterEach(async () => {
    step++;
    for (const person of people()) {
      if (person && !person.page.isClosed())
        await person.page.screenshot({ path: `${ARTIFACTS}/${prefix}-step-${step}-${person.name.split(' ')[0]}.png` });
    }
  });
}

/** Sends a chat message from the page's chat box. */
export async function say(page: Page, text: string): Promise<void> {
  const input = page.getByLabel('Chat message');
  await input.fill(text);
  await input.press('Enter');
}

/** The first chat line on the page whose text contains `text`. */
export function chatLine(page: Page, text: string) {
  return page.locator('.chat-list .chat-text').filter({ hasText: text }).first();
}
