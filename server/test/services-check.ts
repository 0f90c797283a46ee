import { connect } from 'node:net';

/** How to start each real service the suite needs; a missing one fails with this, never skips. */
export const HOW_TO_START = {
  postgres:
    'PostgreSQL is not reachable on 127.0.0.1:5432. Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start  (or run ./golive test, which starts it)',
  redis:
    'Redis is not reachable on 127.0.0.1:6379. Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no  (or run ./golive test)',
  livekit:
    'livekit-server is not available. Run ./golive setup (it builds v1.13.5 into .tools/), or set GOLIVE_LIVEKIT_BIN to a livekit-server 1.13.5 binary',
  versitygw:
    'versitygw (the S3 server of the storage tests) is not available. Run ./golive setup, or build it: CGO_ENABLED=0 GOBIN=$PWD/.tools/versitygw-1.8.0 go install github.com/versity/versitygw/cmd/versitygw@v1.8.0  (or set GOLIVE_VERSITYGW_BIN)',
  ffmpeg:
    'ffmpeg and ffprobe (the recorder and its tests) are not on PATH. Install them with: apt-get install -y ffmpeg  (or run ./golive setup)',
  promtool:
    "promtool is not installed (the alert rules' tests need it). Install it with: apt-get install -y prometheus  (or run ./golive test, which installs it)",
} as const;

export async function assertPortOpen(port: number, message: string): Promise<void> {
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (!open) throw new Error(message);
}
