import type { EnvReader } from './env-reader.ts';

/** Going live from OBS or an encoder (docs/ingest.md): WHIP on golive's HTTP port, RTMP on its own. */
export type IngestConfig = {
  /** WHIP offers (POST) accepted per client address per minute: a guessed key costs an attacker time. */
  whipPostsPerMinute: number;
  rtmp: RtmpConfig;
};

export type RtmpConfig = {
  /** RTMP relays this instance runs at once (about a third of a core each at 720p30); 0 turns its RTMP listener off. */
  maxConcurrent: number;
  /** Listen address. */
  host: string;
  /** Listen port; 0 picks a free one (tests). */
  port: number;
  /** The RTMP application, the path of the RTMP URL: rtmp://host:port/<app>/<streamKey>. */
  app: string;
  /**
   * What encoders are told (rtmpUrl, without the key). null: rtmp://<host of GOLIVE_PUBLIC_URL>:<port>/<app>,
   * once the listener runs, or no RTMP at all where this instance has none.
   */
  publicUrl: string | null;
};

const APP = /^[A-Za-z0-9_-]{1,64}$/;

/** WHIP_POSTS_PER_MINUTE, RTMP_MAX_CONCURRENT, RTMP_HOST, RTMP_PORT, RTMP_PUBLIC_URL. */
export function readIngestConfig(env: EnvReader, defaults: { host: string }): IngestConfig {
  const { problems, int, str } = env;
  const maxConcurrent = int('RTMP_MAX_CONCURRENT', 2, 0, 64);
  const port = int('RTMP_PORT', 1935, 0, 65535);
  const host = str('RTMP_HOST') ?? defaults.host;
  const rawPublic = str('RTMP_PUBLIC_URL');
  let publicUrl: string | null = null;
  let app = 'live';
  if (rawPublic !== undefined) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(rawPublic);
    } catch {}
    const segments = parsed?.pathname.split('/').filter(Boolean) ?? [];
    if (!parsed || (parsed.protocol !== 'rtmp:' && parsed.protocol !== 'rtmps:') || segments.length !== 1 || !APP.test(segments[0] ?? '')) {
      problems.push(
        `RTMP_PUBLIC_URL=${rawPublic} is not valid: give the URL encoders use, with the application and no key, e.g. rtmp://ingest.example.com:1935/live`,
      );
    } else if (parsed.username || parsed.password || parsed.search || parsed.hash) {
      problems.push('RTMP_PUBLIC_URL holds only rtmp://host:port/app: encoders send the stream key as the stream name');
    } else {
      publicUrl = rawPublic.replace(/\/+$/, '');
      app = segments[0] ?? app;
    }
  }
  return {
    whipPostsPerMinute: int('WHIP_POSTS_PER_MINUTE', 30, 1, 100_000),
    rtmp: { maxConcurrent, host, port, app, publicUrl },
  };
}
