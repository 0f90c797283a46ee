import { useSessionReactions } from '@golive/react';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../golive/errors.ts';

type Floating = { id: number; emoji: string; left: number; drift: number };

/** At most this many floating emoji per burst: a flood of taps should not melt a phone. */
const MAX_PER_BURST = 12;
const FLOAT_MS = 2600;

/** Floating hearts: every reaction burst from golive rises over the video. */
export function FloatingReactions() {
  const { lastBurst } = useSessionReactions();
  const [items, setItems] = useState<Floating[]>([]);
  const next = useRef(0);
  useEffect(() => {
    if (!lastBurst) return;
    const added: Floating[] = [];
    for (const [emoji, count] of Object.entries(lastBurst.counts)) {
      for (let i = 0; i < Math.min(count, MAX_PER_BURST); i++) {
        added.push({ id: next.current++, emoji, left: 10 + Math.random() * 80, drift: Math.random() * 40 - 20 });
      }
    }
    setItems((current) => [...current, ...added].slice(-60));
    const ids = new Set(added.map((a) => a.id));
    const timer = setTimeout(() => setItems((current) => current.filter((c) => !ids.has(c.id))), FLOAT_MS);
    return () => clearTimeout(timer);
  }, [lastBurst]);
  return (
    <div className="floating-layer" aria-hidden="true">
      {items.map((item) => (
        <span
          key={item.id}
          className="floating"
          data-testid="floating-reaction"
          style={{ left: `${item.left}%`, ['--drift' as string]: `${item.drift}px` }}
        >
          {item.emoji}
        </span>
      ))}
    </div>
  );
}

export function ReactionsBar() {
  const { set, canReact, react } = useSessionReactions();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!error) return;
    const timer = setTimeout(() => setError(null), 3000);
    return () => clearTimeout(timer);
  }, [error]);
  if (set.length === 0) return null;
  return (
    <fieldset className="reactions-bar">
      <legend className="sr-only">Reactions</legend>
      {set.map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="reaction-btn"
          aria-label={`React with ${emoji}`}
          disabled={!canReact}
          onClick={() => react(emoji).catch((e: unknown) => setError(describeError(e)))}
        >
          {emoji}
        </button>
      ))}
      {error && (
        <span role="alert" className="reaction-error">
          {error}
        </span>
      )}
    </fieldset>
  );
}
