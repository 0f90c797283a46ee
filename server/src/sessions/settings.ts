import { Type } from 'typebox';
import type { StoredSettings } from '../db/schema.ts';

/** Per-session settings, changeable live by the host (and admins). */
export type SessionSettings = {
  chatEnabled: boolean;
  reactionsEnabled: boolean;
  /** Minimum seconds between two messages from one viewer; 0 is off. */
  slowModeSec: number;
};

export const DEFAULT_SETTINGS: SessionSettings = {
  chatEnabled: true,
  reactionsEnabled: true,
  slowModeSec: 0,
};

export const SessionSettingsSchema = Type.Object(
  {
    chatEnabled: Type.Boolean(),
    reactionsEnabled: Type.Boolean(),
    slowModeSec: Type.Integer({ minimum: 0, maximum: 3600 }),
  },
  { $id: 'SessionSettings', title: 'SessionSettings' },
);

const settingsFields = {
  chatEnabled: Type.Optional(Type.Boolean()),
  reactionsEnabled: Type.Optional(Type.Boolean()),
  slowModeSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: '0 turns slow mode off' })),
};

/** Settings given at creation; omitted fields take the defaults. */
export const SettingsInputSchema = Type.Object(settingsFields, { additionalProperties: false });

/** A live change; omitted fields keep their value, and at least one field is needed. */
export const SettingsPatchSchema = Type.Object(settingsFields, { additionalProperties: false, minProperties: 1 });

export type SettingsPatch = Partial<SessionSettings>;

/** Stored document → full settings; unknown or mistyped keys fall back to defaults. */
export function readSettings(stored: StoredSettings | string | null | undefined): SessionSettings {
  const doc = (typeof stored === 'string' ? JSON.parse(stored) : (stored ?? {})) as StoredSettings;
  return {
    chatEnabled: typeof doc.chatEnabled === 'boolean' ? doc.chatEnabled : DEFAULT_SETTINGS.chatEnabled,
    reactionsEnabled: typeof doc.reactionsEnabled === 'boolean' ? doc.reactionsEnabled : DEFAULT_SETTINGS.reactionsEnabled,
    slowModeSec: typeof doc.slowModeSec === 'number' ? doc.slowModeSec : DEFAULT_SETTINGS.slowModeSec,
  };
}
