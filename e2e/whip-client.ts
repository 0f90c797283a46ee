// A real WHIP client for tests: Chromium's RTCPeerConnection with the fake camera and
// microphone, speaking WHIP (RFC 9725) through fetch: POST the offer, trickle candidates with
// PATCH, ICE restart with PATCH If-Match: *, DELETE to stop.
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * The blank page the client runs in, served from a real loopback socket on localhost: localhost
 * is a secure origin (getUserMedia needs one), and Chromium lets a page loaded from loopback
 * fetch other loopback addresses (a page fulfilled by page.route has no address space, and
 * Local Network Access then blocks its fetch to 127.0.0.1).
 */
async function serveClientPage(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>WHIP client</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the WHIP client page server has no port');
  return { url: `http://localhost:${address.port}/`, server };
}

export type WhipPublishOptions = {
  /** The WHIP endpoint (golive's whipUrl). */
  whipUrl: string;
  /** Sent as Authorization: Bearer <streamKey>. */
  streamKey: string;
  width?: number;
  height?: number;
  /** Publish the fake microphone too (default true). */
  audio?: boolean;
  /**
   * 'camera' (default): Chromium's fake camera. 'stamped-canvas': the stream of window.goliveStamped,
   * which installStampedCanvas (stamped-canvas.ts) must have set up in the page.
   */
  source?: 'camera' | 'stamped-canvas';
};

/** What the POST answered. */
export type WhipOffered = { status: number; location: string | null; etag: string | null; body: string; links: string[] };

export type WhipOutboundStats = {
  connectionState: string;
  framesSent: number;
  bytesSent: number;
  audioPacketsSent: number;
  /** The ICE transport's state and the local ufrag it runs on (it changes with an ICE restart). */
  iceState: string | null;
  iceLocalUfrag: string | null;
};

/** A publish in progress in its own browser context. */
export type WhipPublisher = {
  readonly page: Page;
  readonly offered: WhipOffered;
  /** Absolute URL of the WHIP session (the answered Location, resolved against whipUrl). */
  readonly resourceUrl: string;
  /** Statuses of every trickle PATCH sent so far. */
  patchStatuses(): Promise<number[]>;
  stats(): Promise<WhipOutboundStats>;
  /** Resolves once the peer connection is connected; rejects with its state on timeout. */
  connected(timeoutMs?: number): Promise<void>;
  /** ICE restart through PATCH If-Match: *; resolves with the PATCH status. */
  restartIce(): Promise<number>;
  /** DELETE on the resource; resolves with its status, and closes the peer connection. */
  stop(): Promise<number>;
  close(): Promise<void>;
};

type BrowserResult = { ok: true; offered: WhipOffered } | { ok: false; error: string };

/**
 * Opens a new browser context and publishes its fake camera (and microphone) over WHIP. The
 * POST is sent with no candidates: they follow in trickle PATCHes, so PATCH is exercised too.
 * A refused POST (say, a 401) is returned in `offered` rather than thrown.
 */
export async function publishOverWhip(browser: Browser, options: WhipPublishOptions): Promise<WhipPublisher> {
  const clientPage = await serveClientPage();
  const context: BrowserContext = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const close = async () => {
    await context.close();
    await new Promise<void>((resolve) => clientPage.server.close(() => resolve()));
  };
  try {
    const page = await context.newPage();
    await page.goto(clientPage.url);
    const publisher = await whipInPage(page, options);
    return { ...publisher, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Publishes over WHIP from a page that is already open on a loopback localhost origin (for a
 * benchmark that runs other clients in the same page); close() here only stops the publish.
 */
export async function whipInPage(page: Page, options: WhipPublishOptions): Promise<WhipPublisher> {
  const result = await page.evaluate(startInBrowser, {
    whipUrl: options.whipUrl,
    streamKey: options.streamKey,
    width: options.width ?? 640,
    height: options.height ?? 360,
    audio: options.audio ?? true,
    stamped: options.source === 'stamped-canvas',
  });
  if (!result.ok) throw new Error(`the WHIP client failed in Chromium: ${result.error}`);
  const { offered } = result;
  const resourceUrl = offered.location ? new URL(offered.location, options.whipUrl).toString() : '';
  return {
    page,
    offered,
    resourceUrl,
    patchStatuses: () => page.evaluate(() => window.golivewhip.patchStatuses.slice()),
    stats: () => page.evaluate(() => window.golivewhip.stats()),
    connected: (timeoutMs = 15_000) => page.evaluate((ms) => window.golivewhip.connected(ms), timeoutMs),
    restartIce: () => page.evaluate(() => window.golivewhip.restartIce()),
    stop: () => page.evaluate(() => window.golivewhip.stop()),
    close: async () => {
      await page.evaluate(() => window.golivewhip?.stop()).catch(() => {});
    },
  };
}

type ClientState = {
  patchStatuses: number[];
  stats(): Promise<WhipOutboundStats>;
  connected(timeoutMs: number): Promise<void>;
  restartIce(): Promise<number>;
  stop(): Promise<number>;
};

declare global {
  interface Window {
    golivewhip: ClientState;
  }
}

/** Runs in the page. Everything it needs is inside: page.evaluate sends only its source. */
async function startInBrowser(args: {
  whipUrl: string;
  streamKey: string;
  width: number;
  height: number;
  audio: boolean;
  stamped: boolean;
}): Promise<BrowserResult> {
  try {
    const auth = { authorization: `Bearer ${args.streamKey}` };
    const media = args.stamped
      ? window.goliveStamped.stream
      : await navigator.mediaDevices.getUserMedia({
          video: { width: args.width, height: args.height, frameRate: 30 },
          audio: args.audio,
        });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });

    const pending: RTCIceCandidate[] = [];
    const patchStatuses: number[] = [];
    let resourceUrl: string | null = null;
    let etag: string | null = null;
    let remoteSdp = '';

    /** An SDP fragment (RFC 8840) with this side's ICE credentials, the bundle's mid and candidates. */
    const fragment = (candidates: string[], end: boolean) => {
      const sdp = pc.localDescription?.sdp ?? '';
      const ufrag = /a=ice-ufrag:(.*)\r?\n/.exec(sdp)?.[1] ?? '';
      const pwd = /a=ice-pwd:(.*)\r?\n/.exec(sdp)?.[1] ?? '';
      const mid = pc.getTransceivers()[0]?.mid ?? '0';
      const lines = [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, 'm=audio 9 UDP/TLS/RTP/SAVPF 0', `a=mid:${mid}`];
      for (const c of candidates) lines.push(`a=${c}`);
      if (end) lines.push('a=end-of-candidates');
      return `${lines.join('\r\n')}\r\n`;
    };
    const trickle = async (candidates: RTCIceCandidate[], end: boolean) => {
      if (!resourceUrl || !etag) return;
      const res = await fetch(resourceUrl, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': etag },
        body: fragment(
          candidates.map((c) => c.candidate),
          end,
        ),
      });
      patchStatuses.push(res.status);
    };
    pc.onicecandidate = (event) => {
      if (event.candidate?.candidate) {
        if (resourceUrl) void trickle([event.candidate], false);
        else pending.push(event.candidate);
      }
    };

    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(args.whipUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/sdp' },
      body: pc.localDescription?.sdp ?? '',
    });
    const body = await res.text();
    const offered: WhipOffered = {
      status: res.status,
      location: res.headers.get('location'),
      etag: res.headers.get('etag'),
      body,
      links: res.headers.get('link') ? [res.headers.get('link') as string] : [],
    };
    if (res.status !== 201 || !offered.location) {
      pc.close();
      if (!args.stamped) for (const track of media.getTracks()) track.stop();
      return { ok: true, offered };
    }
    resourceUrl = new URL(offered.location, args.whipUrl).toString();
    etag = offered.etag;
    remoteSdp = body;
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    if (pending.length > 0) await trickle(pending.splice(0), false);

    window.golivewhip = {
      patchStatuses,
      async stats() {
        let framesSent = 0;
        let bytesSent = 0;
        let audioPacketsSent = 0;
        let iceState: string | null = null;
        let iceLocalUfrag: string | null = null;
        (await pc.getStats()).forEach((report) => {
          if (report.type === 'transport') {
            iceState = report.iceState ?? null;
            iceLocalUfrag = report.iceLocalUsernameFragment ?? null;
          }
          if (report.type !== 'outbound-rtp') return;
          if (report.kind === 'video') {
            framesSent += report.framesSent ?? 0;
            bytesSent += report.bytesSent ?? 0;
          } else if (report.kind === 'audio') {
            audioPacketsSent += report.packetsSent ?? 0;
          }
        });
        return { connectionState: pc.connectionState, framesSent, bytesSent, audioPacketsSent, iceState, iceLocalUfrag };
      },
      connected(timeoutMs) {
        return new Promise<void>((resolve, reject) => {
          if (pc.connectionState === 'connected') return resolve();
          const timer = setTimeout(() => reject(new Error(`peer connection still ${pc.connectionState}`)), timeoutMs);
          pc.addEventListener('connectionstatechange', () => {
            if (pc.connectionState === 'connected') {
              clearTimeout(timer);
              resolve();
            } else if (pc.connectionState === 'failed') {
              clearTimeout(timer);
              reject(new Error('peer connection failed'));
            }
          });
        });
      },
      async restartIce() {
        pc.restartIce();
        await pc.setLocalDescription(await pc.createOffer());
        const res = await fetch(resourceUrl as string, {
          method: 'PATCH',
          headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': '*' },
          body: fragment([], false),
        });
        const answer = await res.text();
        if (res.status !== 200) return res.status;
        etag = res.headers.get('etag') ?? etag;
        // The answer fragment carries LiveKit's new credentials and candidates: patch them into the
        // last remote description (RFC 9725 §4.4.2) and apply it as the answer to the new offer.
        const ufrag = /a=ice-ufrag:(.*)\r?\n/.exec(answer)?.[1];
        const pwd = /a=ice-pwd:(.*)\r?\n/.exec(answer)?.[1];
        const candidates = [...answer.matchAll(/a=candidate:.*\r?\n/g)].map((m) => m[0].replace(/\r?\n$/, '\r\n'));
        let sdp = remoteSdp;
        if (ufrag) sdp = sdp.replace(/a=ice-ufrag:.*\r?\n/g, `a=ice-ufrag:${ufrag}\r\n`);
        if (pwd) sdp = sdp.replace(/a=ice-pwd:.*\r?\n/g, `a=ice-pwd:${pwd}\r\n`);
        if (candidates.length > 0) {
          sdp = sdp.replace(/a=candidate:.*\r?\n/g, '');
          sdp = sdp.replace(/(a=mid:.*\r?\n)/g, `$1${candidates.join('')}`);
        }
        remoteSdp = sdp;
        await pc.setRemoteDescription({ type: 'answer', sdp });
        return res.status;
      },
      async stop() {
        const res = await fetch(resourceUrl as string, { method: 'DELETE', headers: auth });
        pc.close();
        if (!args.stamped) for (const track of media.getTracks()) track.stop();
        return res.status;
      },
    };
    return { ok: true, offered };
  } catch (error) {
    return { ok: false, error: String(error instanceof Error ? (error.stack ?? error.message) : error) };
  }
}
