import type { SessionSettingsPatch, SessionSettingsView, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionSettingsState = {
  /** The live settings; null until the join answer. */
  settings: SessionSettingsView | null;
  /** Whether I may change them (host, co-host or admin). */
  canChange: boolean;
  update: (patch: SessionSettingsPatch) => Promise<void>;
};

/** The session's live settings, and update() for those who may change them. */
export function useSessionSettings(store?: SessionStore): SessionSettingsState {
  const found = useEnsureSessionStore(store);
  const settings = useSessionSnapshot((s) => s.settings, found);
  const canChange = useSessionSnapshot((s) => s.permissions.canChangeSettings, found);
  return { settings, canChange, update: (patch) => found.updateSettings(patch) };
}
