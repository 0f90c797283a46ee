import type { ChatMessage, SubscribeResult } from '../realtime/protocol.ts';

/**
 * One session's chat as an immutable value: the messages delivered so far in seq order, the
 * highest seq delivered, and live messages held back until the ones before them arrive.
 * Every function returns a new state (or the same one when nothing changed) and never mutates.
 */
export type ChatTimeline = {
  readonly messages: readonly ChatMessage[];
  readonly lastSeq: number;
  /** Live messages that arrived ahead of a missing seq, by seq. */
  readonly pending: ReadonlyMap<number, ChatMessage>;
};

export type ChatSnapshot = Pick<SubscribeResult, 'messages' | 'headSeq' | 'deletedMessageIds'>;

/** What applying something changed: the new state, and the messages delivered by it, in order. */
export type ChatStep = { timeline: ChatTimeline; delivered: ChatMessage[]; removed: string[] };

export const EMPTY_TIMELINE: ChatTimeline = { messages: [], lastSeq: 0, pending: new Map() };

/** True when messages wait for an earlier seq that has not arrived (resubscribe if it stays so). */
export function hasGap(timeline: ChatTimeline): boolean {
  return timeline.pending.size > 0;
}

/**
 * A subscribe or resume answer: drops recently deleted messages, appends what is new after
 * lastSeq, jumps lastSeq to the server's head, then delivers held-back live messages now in line.
 */
export function applyChatSnapshot(timeline: ChatTimeline, snapshot: ChatSnapshot): ChatStep {
  const afterDeletes = removeMessages(timeline, snapshot.deletedMessageIds);
  const current = afterDeletes.timeline;
  const fresh = snapshot.messages.filter((m) => m.seq > current.lastSeq).sort((a, b) => a.seq - b.seq);
  const lastSeq = Math.max(current.lastSeq, snapshot.headSeq, ...fresh.map((m) => m.seq));
  const drained = drain({ messages: [...current.messages, ...fresh], lastSeq, pending: current.pending });
  return { timeline: drained.timeline, delivered: [...fresh, ...drained.delivered], removed: afterDeletes.removed };
}

/** A live message: a duplicate is dropped, the next one delivered, a later one held back. */
export function applyLiveMessage(timeline: ChatTimeline, message: ChatMessage): ChatStep {
  if (message.seq <= timeline.lastSeq || timeline.pending.has(message.seq)) return { timeline, delivered: [], removed: [] };
  const pending = new Map(timeline.pending).set(message.seq, message);
  const drained = drain({ ...timeline, pending });
  return { timeline: drained.timeline, delivered: drained.delivered, removed: [] };
}

/** Deleted messages leave the timeline (delivered or held back); `removed` lists those it held. */
export function removeMessages(timeline: ChatTimeline, messageIds: readonly string[]): ChatStep {
  const ids = new Set(messageIds);
  if (ids.size === 0) return { timeline, delivered: [], removed: [] };
  const removed = timeline.messages.filter((m) => ids.has(m.id)).map((m) => m.id);
  const heldBack = [...timeline.pending.values()].some((m) => ids.has(m.id));
  if (removed.length === 0 && !heldBack) return { timeline, delivered: [], removed: [] };
  return {
    timeline: {
      messages: removed.length > 0 ? timeline.messages.filter((m) => !ids.has(m.id)) : timeline.messages,
      lastSeq: timeline.lastSeq,
      pending: heldBack ? new Map([...timeline.pending].filter(([, m]) => !ids.has(m.id))) : timeline.pending,
    },
    delivered: [],
    removed,
  };
}

function drain(timeline: ChatTimeline): { timeline: ChatTimeline; delivered: ChatMessage[] } {
  if (timeline.pending.size === 0) return { timeline, delivered: [] };
  const pending = new Map(timeline.pending);
  const delivered: ChatMessage[] = [];
  let lastSeq = timeline.lastSeq;
  for (let next = pending.get(lastSeq + 1); next; next = pending.get(lastSeq + 1)) {
    pending.delete(next.seq);
    delivered.push(next);
    lastSeq = next.seq;
  }
  // Anything at or below lastSeq now is a duplicate.
  for (const seq of pending.keys()) if (seq <= lastSeq) pending.delete(seq);
  return {
    timeline: { messages: delivered.length > 0 ? [...timeline.messages, ...delivered] : timeline.messages, lastSeq, pending },
    delivered,
  };
}
