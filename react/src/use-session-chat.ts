import type { ChatMessage, ReportInput, SessionStore } from '@golive/sdk';
import { useEnsureSessionStore } from './use-ensure-session-store.ts';
import { useSessionSnapshot } from './use-session-snapshot.ts';

export type SessionChatView = {
  /** In seq order, each once, kept right across reconnects. Render `text` as text, never as HTML. */
  messages: readonly ChatMessage[];
  pinned: ChatMessage | null;
  /** Whether I may send now (my permissions, with chat on). */
  canSend: boolean;
  /** Whether I may pin and delete (host, co-host or admin). */
  canModerate: boolean;
  send: (text: string) => Promise<ChatMessage>;
  deleteMessage: (messageId: string) => Promise<void>;
  pin: (messageId: string) => Promise<void>;
  unpin: () => Promise<void>;
  report: (input: ReportInput) => Promise<void>;
};

/** The session's chat and what I may do with it. */
export function useSessionChat(store?: SessionStore): SessionChatView {
  const found = useEnsureSessionStore(store);
  const messages = useSessionSnapshot((s) => s.chat.messages, found);
  const pinned = useSessionSnapshot((s) => s.chat.pinned, found);
  const canSend = useSessionSnapshot((s) => s.phase === 'live' && s.permissions.canChat, found);
  const canModerate = useSessionSnapshot((s) => s.permissions.canModerate, found);
  return {
    messages,
    pinned,
    canSend,
    canModerate,
    send: (text) => found.sendMessage(text),
    deleteMessage: (id) => found.deleteMessage(id),
    pin: (id) => found.pinMessage(id),
    unpin: () => found.unpinMessage(),
    report: (input) => found.report(input),
  };
}
