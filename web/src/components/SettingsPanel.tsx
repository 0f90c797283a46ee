import { useSessionSettings } from '@golive/react';
import type { SessionSettingsPatch } from '@golive/sdk';
import { useEffect, useState } from 'react';
import { describeError } from '../golive/errors.ts';

const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 300];

/** The session's live settings; every change reaches viewers at once over realtime. */
export function SettingsPanel() {
  const { settings: live, update: save } = useSessionSettings();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Shown at once, until golive's settings event (or an error) replaces it.
  const [optimistic, setOptimistic] = useState<SessionSettingsPatch>({});
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new settings object from golive is the trigger
  useEffect(() => setOptimistic({}), [live]);
  if (!live) return <p className="muted">Loading settings…</p>;
  const settings = { ...live, ...optimistic };

  const update = async (patch: SessionSettingsPatch) => {
    setBusy(true);
    setError(null);
    setOptimistic((current) => ({ ...current, ...patch }));
    try {
      await save(patch);
    } catch (e) {
      setOptimistic({});
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const toggle = (key: 'chatEnabled' | 'reactionsEnabled' | 'allowGuests' | 'requireApproval', label: string) => (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        aria-checked={settings[key]}
        checked={settings[key]}
        disabled={busy}
        onChange={(e) => update({ [key]: e.target.checked })}
      />
      <span>{label}</span>
    </label>
  );

  return (
    <form className="settings-panel" aria-label="Live settings" onSubmit={(e) => e.preventDefault()}>
      {toggle('chatEnabled', 'Chat')}
      {toggle('reactionsEnabled', 'Reactions')}
      <label className="field">
        <span>Slow mode</span>
        <select value={settings.slowModeSec} disabled={busy} onChange={(e) => update({ slowModeSec: Number(e.target.value) })}>
          {SLOW_MODE_CHOICES.map((s) => (
            <option key={s} value={s}>
              {s === 0 ? 'Off' : s < 60 ? `${s} seconds` : `${s / 60} minute${s > 60 ? 's' : ''}`}
            </option>
          ))}
        </select>
      </label>
      {toggle('allowGuests', 'Viewers may ask to join the stage')}
      {toggle('requireApproval', 'Approve each guest')}
      <label className="field">
        <span>Guests on stage at most</span>
        <input
          type="number"
          min={0}
          max={20}
          value={settings.maxGuests}
          disabled={busy}
          onChange={(e) => {
            const value = Number(e.target.value);
            if (Number.isInteger(value) && value >= 0 && value <= 20) void update({ maxGuests: value });
          }}
        />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
