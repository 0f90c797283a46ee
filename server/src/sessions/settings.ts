import { Type } from 'typebox';
import { GuestCanPublishSchema, MAX_GUESTS_LIMIT, type SessionSettingsView } from '../contract.ts';
import type { StoredSettings } from '../db/schema.ts';
import type { PublishPermissions } from './grants.ts';

/**
 * Per-session settings, set at creation and changeable live by the host or a co-host. The type is
 * the contract's (sdk/src/contract/entities.ts), so it is written once.
 */
export type SessionSettings = SessionSettingsView;

export const DEFAULT_SETTINGS: SessionSettings = {
  chatEnabled: true,
  reactionsEnabled: true,
  slowModeSec: 0,
  allowGuests: true,
  requireApproval: true,
  maxGuests: 6,
  guestCanPublish: { camera: true, microphone: true, screen: true },
  maxParticipants: 0,
};

const settingsFields = {
  chatEnabled: Type.Optional(Type.Boolean()),
  reactionsEnabled: Type.Optional(Type.Boolean()),
  slowModeSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: '0 turns slow mode off' })),
  allowGuests: Type.Optional(Type.Boolean()),
  requireApproval: Type.Optional(Type.Boolean()),
  maxGuests: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GUESTS_LIMIT, description: `Default 6, at most ${MAX_GUESTS_LIMIT}` })),
  guestCanPublish: Type.Optional(GuestCanPublishSchema),
  maxParticipants: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: '0 is no limit' })),
};

/** Settings given at creation; omitted fields take the defaults. */
export const SettingsInputSchema = Type.Object(settingsFields, { additionalProperties: false });

/** A live change; omitted fields keep their value, and at least one field is needed. */
export const SettingsPatchSchema = Type.Object(settingsFields, { additionalProperties: false, minProperties: 1 });

export type SettingsPatch = Partial<SessionSettings>;

const bool = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
const int = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) ? value : fallback);

/** Stored document → full settings; unknown or mistyped keys fall back to defaults. */
export function readSettings(stored: StoredSettings | string | null | undefined): SessionSettings {
  const doc = (typeof stored === 'string' ? JSON.parse(stored) : (stored ?? {})) as StoredSettings;
  const publish = (doc.guestCanPublish ?? {}) as Partial<PublishPermissions>;
  const d = DEFAULT_SETTINGS;
  return {
    chatEnabled: bool(doc.chatEnabled, d.chatEnabled),
    reactionsEnabled: bool(doc.reactionsEnabled, d.reactionsEnabled),
    slowModeSec: int(doc.slowModeSec, d.slowModeSec),
    allowGuests: bool(doc.allowGuests, d.allowGuests),
    requireApproval: bool(doc.requireApproval, d.requireApproval),
    maxGuests: int(doc.maxGuests, d.maxGuests),
    guestCanPublish: {
      camera: bool(publish.camera, d.guestCanPublish.camera),
      microphone: bool(publish.microphone, d.guestCanPublish.microphone),
      screen: bool(publish.screen, d.guestCanPublish.screen),
    },
    maxParticipants: int(doc.maxParticipants, d.maxParticipants),
  };
}
