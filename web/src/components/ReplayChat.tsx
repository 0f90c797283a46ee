import type { ReplayView } from '@golive/sdk';
import { useEffect, useRef } from 'react';
import { formatClock } from '../golive/recordings.ts';

/**
 * The recording's chat as it was at the player's time: lines appear as the video reaches them
 * and go back on a seek backwards; a deleted message turns into "deleted" when it was deleted;
 * the pinned message is the one pinned then. A line's time seeks the video there.
 */
export function ReplayChat({ view, onSeek }: { view: ReplayView | null; onSeek: (seconds: number) => void }) {
  const listRef = useRef<HTMLOListElement>(null);
  const lines = view?.lines ?? [];
  const lastId = lines.at(-1)?.message.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the newest line, as the live chat does
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [lastId]);

  return (
    <section className="chat chat-panel replay-chat" aria-label="Chat replay">
      {view?.pinned && (
        <section className="chat-pinned" aria-label="Pinned message">
          <span className="pin-icon" aria-hidden="true">
            📌
          </span>
          <p>
            <strong>{view.pinned.user.name}</strong> {view.pinned.text}
          </p>
        </section>
      )}
      <ol ref={listRef} className="chat-list" aria-live="polite" aria-relevant="additions">
        {lines.length === 0 && <li className="chat-empty muted">{view ? 'No messages yet at this point' : 'Loading the chat…'}</li>}
        {lines.map(({ message, deleted }) => (
          <li key={message.id} className={`chat-message${deleted ? ' chat-deleted' : ''}`} data-offset-ms={message.offsetMs}>
            <button
              type="button"
              className="replay-time"
              aria-label={`Go to ${formatClock(message.offsetMs / 1000)}`}
              onClick={() => onSeek(Math.max(0, message.offsetMs / 1000))}
            >
              {formatClock(Math.max(0, message.offsetMs) / 1000)}
            </button>{' '}
            <span className={`chat-author role-${message.user.role}`}>{message.user.name}</span>{' '}
            {deleted ? <span className="chat-text muted">Message deleted</span> : <span className="chat-text">{message.text}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
