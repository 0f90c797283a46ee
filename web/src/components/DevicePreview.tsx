import { createLocalAudioTrack, createLocalVideoTrack, type LocalAudioTrack, type LocalVideoTrack, VideoPresets } from 'livekit-client';
import { useCallback, useEffect, useId, useRef, useState } from 'react';

export type DeviceChoices = {
  videoEnabled: boolean;
  audioEnabled: boolean;
  videoDeviceId: string | undefined;
  audioDeviceId: string | undefined;
};

const CHOICES_KEY = 'golive.devices';
export const DEFAULT_CHOICES: DeviceChoices = {
  videoEnabled: true,
  audioEnabled: true,
  videoDeviceId: undefined,
  audioDeviceId: undefined,
};

export function loadChoices(): DeviceChoices {
  try {
    return { ...DEFAULT_CHOICES, ...(JSON.parse(sessionStorage.getItem(CHOICES_KEY) ?? '{}') as Partial<DeviceChoices>) };
  } catch {
    return DEFAULT_CHOICES;
  }
}

export function saveChoices(choices: DeviceChoices): void {
  sessionStorage.setItem(CHOICES_KEY, JSON.stringify(choices));
}

/**
 * Camera and microphone check before publishing: a live preview, device pickers, mute toggles and
 * a microphone level meter. The preview tracks stop when it unmounts; publishing opens its own.
 */
export function DevicePreview({ choices, onChange }: { choices: DeviceChoices; onChange: (next: DeviceChoices) => void }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [mics, setMics] = useState<MediaDeviceInfo[]>([]);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const ids = useId();

  // Device labels are only readable once a track is open, so the list is refreshed after each.
  const refreshDevices = useCallback(async () => {
    const all = await navigator.mediaDevices.enumerateDevices();
    setCameras(all.filter((d) => d.kind === 'videoinput' && d.deviceId));
    setMics(all.filter((d) => d.kind === 'audioinput' && d.deviceId));
  }, []);

  useEffect(() => {
    if (!choices.videoEnabled) return;
    let track: LocalVideoTrack | null = null;
    let cancelled = false;
    createLocalVideoTrack({
      resolution: VideoPresets.h720.resolution,
      ...(choices.videoDeviceId ? { deviceId: choices.videoDeviceId } : {}),
    })
      .then((created) => {
        if (cancelled) return created.stop();
        track = created;
        if (videoRef.current) created.attach(videoRef.current);
        setError(null);
        void refreshDevices();
      })
      .catch((e: Error) => setError(`Camera unavailable: ${e.message}`));
    return () => {
      cancelled = true;
      track?.detach();
      track?.stop();
    };
  }, [choices.videoEnabled, choices.videoDeviceId, refreshDevices]);

  useEffect(() => {
    if (!choices.audioEnabled) {
      setLevel(0);
      return;
    }
    let track: LocalAudioTrack | null = null;
    let cancelled = false;
    let frame = 0;
    let context: AudioContext | null = null;
    createLocalAudioTrack(choices.audioDeviceId ? { deviceId: choices.audioDeviceId } : {})
      .then((created) => {
        if (cancelled) return created.stop();
        track = created;
        void refreshDevices();
        context = new AudioContext();
        const analyser = context.createAnalyser();
        analyser.fftSize = 256;
        context.createMediaStreamSource(new MediaStream([created.mediaStreamTrack])).connect(analyser);
        const samples = new Uint8Array(analyser.fftSize);
        const tick = () => {
          analyser.getByteTimeDomainData(samples);
          let peak = 0;
          for (const v of samples) peak = Math.max(peak, Math.abs(v - 128));
          setLevel(Math.min(1, peak / 64));
          frame = requestAnimationFrame(tick);
        };
        tick();
      })
      .catch((e: Error) => setError(`Microphone unavailable: ${e.message}`));
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      void context?.close();
      track?.stop();
    };
  }, [choices.audioEnabled, choices.audioDeviceId, refreshDevices]);

  return (
    <div className="preview">
      <div className="preview-video">
        {choices.videoEnabled ? (
          <video ref={videoRef} muted playsInline autoPlay className="mirror" aria-label="Your camera preview" />
        ) : (
          <div className="preview-off">Camera is off</div>
        )}
        <div className="preview-toggles">
          <button
            type="button"
            className={`round ${choices.audioEnabled ? '' : 'round-off'}`}
            aria-pressed={!choices.audioEnabled}
            aria-label={choices.audioEnabled ? 'Mute microphone' : 'Unmute microphone'}
            onClick={() => onChange({ ...choices, audioEnabled: !choices.audioEnabled })}
          >
            {choices.audioEnabled ? '🎙' : '🔇'}
          </button>
          <button
            type="button"
            className={`round ${choices.videoEnabled ? '' : 'round-off'}`}
            aria-pressed={!choices.videoEnabled}
            aria-label={choices.videoEnabled ? 'Turn camera off' : 'Turn camera on'}
            onClick={() => onChange({ ...choices, videoEnabled: !choices.videoEnabled })}
          >
            {choices.videoEnabled ? '📷' : '🚫'}
          </button>
        </div>
      </div>
      <meter className="meter" aria-label="Microphone level" min={0} max={100} value={Math.round(level * 100)} />
      <div className="device-pickers">
        <label className="field" htmlFor={`${ids}-cam`}>
          <span>Camera</span>
          <select
            id={`${ids}-cam`}
            value={choices.videoDeviceId ?? ''}
            onChange={(e) => onChange({ ...choices, videoDeviceId: e.target.value || undefined })}
          >
            <option value="">Default camera</option>
            {cameras.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `Camera ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${ids}-mic`}>
          <span>Microphone</span>
          <select
            id={`${ids}-mic`}
            value={choices.audioDeviceId ?? ''}
            onChange={(e) => onChange({ ...choices, audioDeviceId: e.target.value || undefined })}
          >
            <option value="">Default microphone</option>
            {mics.map((d, i) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label || `Microphone ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
