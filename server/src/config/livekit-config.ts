import type { EnvReader } from './env-reader.ts';

/** Which LiveKit golive talks to. */
export type LivekitConfig =
  | {
      kind: 'external';
      /** Server-side URL for the room service (http(s) or ws(s)). */
      url: string;
      /** URL handed to clients; defaults to `url`. */
      clientUrl: string;
      apiKey: string;
      apiSecret: string;
    }
  | {
      kind: 'embedded';
      /** Path of the livekit-server binary to supervise. */
      binary: string;
      /** HTTP/WebSocket port; 0 picks a free one. */
      port: number;
      /** Port of livekit-server's Prometheus endpoint on loopback; null: not served. */
      prometheusPort: number | null;
    };

/** LIVEKIT_*: an external LiveKit (all three set), or the embedded livekit-server (dev mode only). */
export function readLivekitConfig(reader: EnvReader, context: { dev: boolean; port: number }): LivekitConfig {
  const { problems, str, int, url } = reader;
  const { dev, port } = context;
  const lkUrl = url('LIVEKIT_URL', ['http:', 'https:', 'ws:', 'wss:']);
  const lkKey = str('LIVEKIT_API_KEY');
  const lkSecret = str('LIVEKIT_API_SECRET');
  const anyLivekit = str('LIVEKIT_URL') !== undefined || lkKey !== undefined || lkSecret !== undefined;
  if (anyLivekit) {
    if (!str('LIVEKIT_URL'))
      problems.push('LIVEKIT_URL is missing: set it with LIVEKIT_API_KEY and LIVEKIT_API_SECRET, e.g. wss://livekit.example.com');
    if (!lkKey) problems.push('LIVEKIT_API_KEY is missing: set it to the key from your LiveKit server config (keys:)');
    if (!lkSecret) problems.push('LIVEKIT_API_SECRET is missing: set it to the secret paired with LIVEKIT_API_KEY');
    else if (lkSecret.length < 32) problems.push('LIVEKIT_API_SECRET is shorter than 32 characters: LiveKit rejects short secrets');
    const clientUrl = url('LIVEKIT_CLIENT_URL', ['ws:', 'wss:', 'http:', 'https:']) ?? lkUrl ?? '';
    return { kind: 'external', url: lkUrl ?? '', clientUrl: toWs(clientUrl), apiKey: lkKey ?? '', apiSecret: lkSecret ?? '' };
  }
  if (!dev)
    problems.push(
      'LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET are required in production (the embedded livekit-server runs only in dev mode): set them to your LiveKit server or LiveKit Cloud project, e.g. LIVEKIT_URL=wss://livekit.example.com',
    );
  // The embedded livekit-server posts webhooks to the public URL, which needs a real port.
  if (dev && port === 0 && str('GOLIVE_PUBLIC_URL') === undefined) {
    problems.push('PORT=0 cannot be used with the embedded livekit-server: set PORT to a fixed port (or set GOLIVE_PUBLIC_URL)');
  }
  return {
    kind: 'embedded',
    binary: str('GOLIVE_LIVEKIT_BIN') ?? 'livekit-server',
    port: int('LIVEKIT_PORT', 0, 0, 65535),
    prometheusPort: str('LIVEKIT_PROMETHEUS_PORT') === undefined ? null : int('LIVEKIT_PROMETHEUS_PORT', 0, 1, 65535),
  };
}

function toWs(u: string): string {
  return u.replace(/^http(s?):\/\//, 'ws$1://');
}
