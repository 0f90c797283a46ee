import type { ChatMessage } from '../realtime/protocol.ts';

/**
 * A recording's chat as GET /v1/recordings/{id}/chat gives it: every message with its time from
 * the recording's start, when it was deleted (if it was), and every pin change. Offsets are in
 * milliseconds on the recording's clock, so they compare directly with a player's currentTime.
 */
export type RecordingChatMessage = ChatMessage & {
  offsetMs: number;
  /** When a moderator deleted it, on the same clock; null or absent when it never was. */
  deletedOffsetMs?: number | null | undefined;
};

/** A pin change: from offsetMs on, messageId is the pinned message (null: nothing pinned). */
export type RecordingPinChange = {
  offsetMs: number;
  messageId: string | null;
  /** The pinned message itself, for one sent before the recording began (not among the messages). */
  message?: ChatMessage | null | undefined;
};

export type RecordingChat = {
  messages: readonly RecordingChatMessage[];
  pins: readonly RecordingPinChange[];
};

/** A recording's chat, sorted once, to be read at any player time. Immutable. */
export type ChatReplay = {
  /** In the order they were sent: by offset, then seq. */
  readonly messages: readonly RecordingChatMessage[];
  /** Deletion offsets, sorted: how many deletions happened by t is one binary search. */
  readonly deletions: readonly number[];
  /** Pin changes by offset (a stable sort keeps the server's order for equal offsets). */
  readonly pins: readonly RecordingPinChange[];
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
  readonly pinned: ChatMessage | null;
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

export function prepareReplay(chat: RecordingChat): ChatReplay {
  const messages = [...chat.messages].sort((a, b) => a.offsetMs - b.offsetMs || a.seq - b.seq);
  const deletions = messages
    .map((m) => m.deletedOffsetMs)
    .filter((d): d is number => typeof d === 'number')
    .sort((a, b) => a - b);
  const pins = chat.pins.map((p, i) => ({ p, i })).sort((a, b) => a.p.offsetMs - b.p.offsetMs || a.i - b.i);
  return { messages, deletions, pins: pins.map(({ p }) => p), byId: new Map(messages.map((m) => [m.id, m])) };
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
function pinnedAt(replay: ChatReplay, pinIndex: number, t: number): ChatMessage | null {
  const change = replay.pins[pinIndex];
  if (!change?.messageId) return null;
  const known = replay.byId.get(change.messageId);
  if (known) return isDeletedAt(known, t) ? null : known;
  return change.message ?? null;
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
