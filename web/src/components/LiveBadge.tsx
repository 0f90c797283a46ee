import { useEffect, useState } from 'react';

export function LiveBadge({ since }: { since?: string }) {
  return (
    <span className="live-badge">
      <span className="live-dot" aria-hidden="true" />
      LIVE
      {since && <LiveTimer since={since} />}
    </span>
  );
}

/** Time since `since` (live, recording), ticking every second. */
export function LiveTimer({ since, label = 'live for ' }: { since: string; label?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const total = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const text = `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return (
    <span className="live-timer">
      <span className="sr-only">{label}</span>
      {text}
    </span>
  );
}

export function ViewerCount({ count, className = '' }: { count: number; className?: string }) {
  return (
    <span className={`viewers ${className}`} data-testid="viewer-count">
      <span aria-hidden="true">👁</span> {count.toLocaleString()}
      <span className="sr-only"> watching</span>
    </span>
  );
}
