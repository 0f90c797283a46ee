import type { RecordingChatMessage, RecordingPin } from '../types.ts';

/**
 * A recording's chat as getRecordingChat gives it (GET /v1/recordings/{id}/chat): every message
 * with its time from the recording's start, when it was deleted (if it was), and every pin.
 * Offsets are in milliseconds on the recording's clock, so they compare with a player's currentTime.
 */
export type ReplayChatInput = {
  messages: readonly RecordingChatMessage[];
  pins: readonly RecordingPin[];
};

/** From offsetMs on, messageId is the pinned message (null: nothing pinned). */
export type PinState = { readonly offsetMs: number; readonly messageId: string | null };

/** A recording's chat, sorted once, to be read at any player time. Immutable. */
export type ChatReplay = {
  /** In the order they were sent: by offset, then seq. */
  readonly messages: readonly RecordingChatMessage[];
  /** Deletion offsets, sorted: how many deletions happened by t is one binary search. */
  readonly deletions: readonly number[];
  /** What is pinned from each change on, by offset. */
  readonly pins: readonly PinState[];
  readonly byId: ReadonlyMap<string, RecordingChatMessage>;
};

/** One chat line at time t: deleted ones stay as a placeholder when the view is asked to mark them. */
export type ReplayLine = { readonly message: RecordingChatMessage; readonly deleted: boolean };

/** What the chat looked like at player time `atMs`. */
export type ReplayView = {
  readonly atMs: number;
  /** The lines on screen at atMs, oldest first. */
  readonly lines: readonly ReplayLine[];
  /** The pinned message at atMs, or null. */
  readonly pinned: RecordingChatMessage | null;
  /** @internal what the view was made from; equal keys mean equal views. */
  readonly key: string;
};

export type ReplayOptions = {
  /**
   * After its deletion a message is 'hidden' (gone, as it went for everyone live; the default) or
   * 'marked' (kept as a "deleted" line without its text being needed).
   */
  deleted?: 'hidden' | 'marked';
  /** At most this many of the latest lines (the rest scrolled out of the live chat too). */
  limit?: number;
};

export function prepareReplay(chat: ReplayChatInput): ChatReplay {
  const messages = [...chat.messages].sort((a, b) => a.offsetMs - b.offsetMs || a.seq - b.seq);
  const deletions = messages
    .map((m) => m.deletedOffsetMs)
    .filter((d): d is number => typeof d === 'number')
    .sort((a, b) => a - b);
  return { messages, deletions, pins: pinStates(chat.pins), byId: new Map(messages.map((m) => [m.id, m])) };
}

/**
 * The pins as a list of states. A pin replaces the one before it; an unpin only clears the pin
 * it belongs to (one replaced earlier is already gone). At equal offsets the unpin comes first,
 * so "unpin A, pin B" at one instant leaves B pinned.
 */
function pinStates(pins: readonly RecordingPin[]): PinState[] {
  type Change = { offsetMs: number; messageId: string; pin: boolean };
  const changes: Change[] = [];
  for (const p of pins) {
    changes.push({ offsetMs: p.pinnedOffsetMs, messageId: p.messageId, pin: true });
    if (typeof p.unpinnedOffsetMs === 'number') changes.push({ offsetMs: p.unpinnedOffsetMs, messageId: p.messageId, pin: false });
  }
  changes.sort((a, b) => a.offsetMs - b.offsetMs || Number(a.pin) - Number(b.pin));
  const states: PinState[] = [];
  let current: string | null = null;
  for (const change of changes) {
    if (!change.pin && change.messageId !== current) continue;
    current = change.pin ? change.messageId : null;
    const last = states.at(-1);
    if (last && last.offsetMs === change.offsetMs) states[states.length - 1] = { offsetMs: change.offsetMs, messageId: current };
    else states.push({ offsetMs: change.offsetMs, messageId: current });
  }
  return states;
}

/**
 * The chat at player time atMs: the messages sent by then (offsetMs ≤ atMs), minus (or marking)
 * those deleted by then, and the pin in force then. A pure function of atMs, so seeking back
 * and forth gives the same answer as playing through. Pass the previous view to get it back
 * unchanged (the same object) when nothing on screen changed, e.g. on most timeupdates.
 */
export function replayAt(replay: ChatReplay, atMs: number, options: ReplayOptions = {}, previous?: ReplayView): ReplayView {
  const t = Number.isFinite(atMs) ? atMs : 0;
  const sent = upperBound(replay.messages, t, (m) => m.offsetMs);
  const deletedCount = upperBound(replay.deletions, t, (d) => d);
  const pinIndex = upperBound(replay.pins, t, (p) => p.offsetMs) - 1;
  const mode = options.deleted ?? 'hidden';
  const key = `${sent}:${deletedCount}:${pinIndex}:${mode}:${options.limit ?? ''}`;
  if (previous && previous.key === key) return previous.atMs === t ? previous : { ...previous, atMs: t };

  const lines: ReplayLine[] = [];
  for (let i = 0; i < sent; i++) {
    const message = replay.messages[i] as RecordingChatMessage;
    const deleted = isDeletedAt(message, t);
    if (deleted && mode === 'hidden') continue;
    lines.push({ message, deleted });
  }
  const limit = options.limit;
  const shown = limit !== undefined && lines.length > limit ? lines.slice(lines.length - limit) : lines;
  return { atMs: t, lines: shown, pinned: pinnedAt(replay, pinIndex, t), key };
}

/** The player time (ms) of the next change on screen after atMs, or null when nothing changes after it. */
export function nextChangeAfter(replay: ChatReplay, atMs: number): number | null {
  const candidates = [
    replay.messages[upperBound(replay.messages, atMs, (m) => m.offsetMs)]?.offsetMs,
    replay.deletions[upperBound(replay.deletions, atMs, (d) => d)],
    replay.pins[upperBound(replay.pins, atMs, (p) => p.offsetMs)]?.offsetMs,
  ].filter((c): c is number => c !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

function isDeletedAt(message: RecordingChatMessage, t: number): boolean {
  return typeof message.deletedOffsetMs === 'number' && message.deletedOffsetMs <= t;
}

/** The pin in force: a message deleted since it was pinned is no longer shown pinned. */
function pinnedAt(replay: ChatReplay, pinIndex: number, t: number): RecordingChatMessage | null {
  const state = replay.pins[pinIndex];
  const known = state?.messageId ? replay.byId.get(state.messageId) : undefined;
  return known && !isDeletedAt(known, t) ? known : null;
}

/** How many items have key ≤ t, in a list sorted by key. */
function upperBound<T>(items: readonly T[], t: number, keyOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(items[mid] as T) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
