import type { ParticipantRole } from '../realtime/protocol.ts';

export type ParticipantEntry = { userId: string; name: string; role: ParticipantRole; connected: boolean };

/**
 * Someone the media server says is connected (e.g. from LiveKit's participant list). `ingestFor`
 * (LiveKit's golive.ingestFor attribute) marks the host's encoder: it counts as the host.
 */
export type PresenceEntry = { identity: string; name?: string | undefined; role?: string | undefined; ingestFor?: string | undefined };

const ROLE_ORDER: Record<ParticipantRole, number> = { host: 0, cohost: 1, guest: 2, viewer: 3, observer: 4 };
const ROLES = new Set<string>(Object.keys(ROLE_ORDER));

/** golive's roster with the media server's presence merged in: who is connected, and names and roles of newcomers. */
export function mergePresence(roster: readonly ParticipantEntry[], known: readonly PresenceEntry[] | null): readonly ParticipantEntry[] {
  if (!known) return roster;
  // The host's encoder is the host's camera: it makes the host connected, never a second entry.
  const presence = known.map((p) => (p.ingestFor ? { identity: p.ingestFor, name: p.name, role: 'host' } : p));
  const byId = new Map(presence.map((p) => [p.identity, p]));
  const merged: ParticipantEntry[] = roster.map((p) => {
    const live = byId.get(p.userId);
    if (!live) return p.connected ? { ...p, connected: false } : p;
    // golive's role (HTTP, then role events) wins: the media server's attribute can lag behind it.
    return { userId: p.userId, name: nameOf(p, live), role: p.role, connected: true };
  });
  for (const live of presence) {
    if (roster.some((p) => p.userId === live.identity) || merged.some((p) => p.userId === live.identity)) continue;
    merged.push({ userId: live.identity, name: live.name || live.identity, role: roleOf(live) ?? 'viewer', connected: true });
  }
  return sortParticipants(merged);
}

function nameOf(known: ParticipantEntry, live: PresenceEntry): string {
  return known.name !== known.userId || !live.name ? known.name : live.name;
}

function roleOf(live: PresenceEntry): ParticipantRole | null {
  return live.role && ROLES.has(live.role) ? (live.role as ParticipantRole) : null;
}

export function sortParticipants(list: ParticipantEntry[]): ParticipantEntry[] {
  return list.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.userId.localeCompare(b.userId));
}
