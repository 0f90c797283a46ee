import { useSessionIngest } from '@golive/react';
import type { IngestStatus } from '@golive/sdk';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../golive/errors.ts';
import { type EncoderReception, useEncoderReception } from '../golive/use-encoder-reception.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

const STOP_REASONS: Record<string, string> = {
  encoder_disconnected: 'the encoder disconnected',
  replaced: 'the encoder connected again',
  idle_timeout: 'nothing arrived for 15 seconds',
  limit_reached: 'this server already relays as many RTMP streams as it can: try WHIP, or again later',
  key_rotated: 'the key was changed: paste the new one into your encoder',
  ingest_deleted: 'the encoder was removed',
  session_ended: 'the live ended',
  shutdown: 'the server restarted: your encoder reconnects by itself',
  error: 'an error',
};

/**
 * Streaming from OBS or an encoder: the WHIP URL, the RTMP URL and the stream key, each with a
 * copy button, and what golive receives. `autoCreate` sets the ingest up when the host chose the
 * encoder at Go Live. Mount inside <LiveKitRoom> and <SessionProvider>.
 */
export function EncoderPanel({ hostId, autoCreate }: { hostId: string; autoCreate: boolean }) {
  const { status, credentials, canManage, create, rotate, remove } = useSessionIngest();
  const reception = useEncoderReception(hostId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const created = useRef(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (!autoCreate || !canManage || status || credentials || created.current) return;
    created.current = true;
    void run(create);
  });

  return (
    <section className="encoder" aria-labelledby="encoder-title">
      <h2 id="encoder-title">Stream from OBS or an encoder</h2>
      <p className={`encoder-status encoder-${status?.state ?? 'none'}`} role="status" data-state={status?.state ?? 'none'}>
        {statusText(status, reception)}
      </p>
      {credentials ? (
        <div className="encoder-fields">
          <CopyField label="WHIP URL" value={credentials.whipUrl} />
          {credentials.rtmpUrl && <CopyField label="RTMP URL" value={credentials.rtmpUrl} />}
          <CopyField label="Stream key" value={credentials.streamKey} secret />
        </div>
      ) : status ? (
        <p className="muted small">The stream key is shown only once. Change it to see a new one.</p>
      ) : (
        <button type="button" className="btn btn-primary" disabled={busy || !canManage} onClick={() => void run(create)}>
          Set up an encoder
        </button>
      )}
      <p className="muted small">
        OBS 30 or later: Settings → Stream, Service <strong>WHIP</strong>, Server = the WHIP URL, Bearer Token = the stream key. Other
        encoders: Service <strong>Custom</strong>, Server = the RTMP URL, Stream Key = the stream key.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {status && (
        <div className="encoder-actions">
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setConfirmRotate(true)}>
            Change key
          </button>
          <button type="button" className="btn btn-small btn-ghost" disabled={busy} onClick={() => void run(remove)}>
            Stop using an encoder
          </button>
        </div>
      )}
      <ConfirmDialog
        open={confirmRotate}
        title="Change the stream key?"
        confirmLabel="Change key"
        onCancel={() => setConfirmRotate(false)}
        onConfirm={() => {
          setConfirmRotate(false);
          void run(rotate);
        }}
      >
        <p>The current key stops working at once: an encoder streaming with it is disconnected.</p>
      </ConfirmDialog>
    </section>
  );
}

function statusText(status: IngestStatus | null, reception: EncoderReception | null): string {
  if (!status) return 'No encoder set up yet.';
  if (status.state === 'waiting') return 'Waiting for the encoder…';
  if (status.state === 'stopped') {
    const why = STOP_REASONS[status.stopReason ?? ''] ?? 'the encoder stopped';
    return `Stopped: ${why}${status.stopReason === 'error' && status.message ? ` (${status.message})` : ''}.`;
  }
  const parts = [`Receiving over ${status.protocol === 'whip' ? 'WHIP' : 'RTMP'}`];
  const video = status.video;
  if (video?.width && video.height) parts.push(`${video.width}×${video.height}${video.fps ? ` at ${Math.round(video.fps)} fps` : ''}`);
  else if (reception) parts.push(`${reception.width}×${reception.height}`);
  if (status.bitrateKbps !== null) parts.push(`${status.bitrateKbps.toLocaleString('en')} kbit/s`);
  else if (reception?.bitrateKbps) parts.push(`${reception.bitrateKbps.toLocaleString('en')} kbit/s as your browser receives it`);
  if (status.audio === false) parts.push('no sound');
  return parts.join(' · ');
}

function CopyField({ label, value, secret = false }: { label: string; value: string; secret?: boolean }) {
  const [copied, setCopied] = useState(false);
  const [shown, setShown] = useState(!secret);
  const id = `encoder-${label.toLowerCase().replace(/\W+/g, '-')}`;
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    setCopied(true);
    setTimeout(() => setCopied(false), 2_000);
  };
  return (
    <div className="field encoder-field">
      <label htmlFor={id}>{label}</label>
      <div className="encoder-row">
        <input id={id} readOnly value={value} type={shown ? 'text' : 'password'} onFocus={(e) => e.currentTarget.select()} />
        {secret && (
          <button type="button" className="btn btn-small btn-ghost" aria-pressed={shown} onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        )}
        <button type="button" className="btn btn-small" aria-label={`Copy the ${label}`} onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
