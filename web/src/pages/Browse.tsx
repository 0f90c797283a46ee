import type { Session } from '@golive/sdk';
import { Link, useSearchParams } from 'react-router';
import { LiveBadge, ViewerCount } from '../components/LiveBadge.tsx';
import { useAuth } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { useLiveSessions, useLiveSessionsFeed } from '../golive/live-sessions.ts';

/** Live sessions as a grid; sessions appear, end and count viewers live through the sessions feed. */
export function Browse() {
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const tag = params.get('tag');
  const feed = useLiveSessionsFeed();
  const list = useLiveSessions(tag);
  // The tags of every live session, from the unfiltered list when it is at hand.
  const everything = useLiveSessions(null);
  const sessions = list.data ?? null;
  const allTags = [...new Set((everything.data ?? []).flatMap((s) => s.tags))].sort();
  const error = list.error ? describeError(list.error) : null;

  const chooseTag = (next: string | null) => setParams(next ? { tag: next } : {});

  return (
    <section className="browse" aria-labelledby="browse-title">
      <div className="page-head">
        <h1 id="browse-title">Live now</h1>
        <p className="muted feed-status" role="status">
          {feed === 'live' ? 'Updating live' : feed === 'offline' ? 'Live updates are off: reload to try again' : ''}
        </p>
        <Link to="/go-live" className="btn btn-primary">
          Go Live
        </Link>
      </div>
      {(allTags.length > 0 || tag) && (
        <fieldset className="chips">
          <legend className="sr-only">Filter by tag</legend>
          <button type="button" className="chip" aria-pressed={!tag} onClick={() => chooseTag(null)}>
            All
          </button>
          {[...new Set([...allTags, ...(tag ? [tag] : [])])].map((t) => (
            <button key={t} type="button" className="chip" aria-pressed={tag === t} onClick={() => chooseTag(t)}>
              #{t}
            </button>
          ))}
        </fieldset>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {sessions === null && !error && <p className="muted">Loading…</p>}
      {sessions?.length === 0 && (
        <div className="empty">
          <div className="empty-art" aria-hidden="true">
            📡
          </div>
          <h2>{tag ? `Nobody is live with #${tag}` : 'Nobody is live right now'}</h2>
          <p className="muted">Be the first: start a live and it shows up here for everyone.</p>
          <Link to="/go-live" className="btn btn-primary">
            Go Live
          </Link>
        </div>
      )}
      {sessions && sessions.length > 0 && (
        <ul className="grid" aria-label="Live sessions">
          {sessions.map((s) => (
            <li key={s.id}>
              <SessionCard session={s} mine={s.host.id === user?.id} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SessionCard({ session, mine }: { session: Session; mine: boolean }) {
  const to = mine ? `/studio/${session.id}` : `/watch/${session.id}`;
  return (
    <article className="card" data-session-id={session.id}>
      <Link to={to} className="card-link" aria-label={`${mine ? 'Open your studio' : 'Watch'}: ${session.title} by ${session.host.name}`}>
        <div className="cover">
          {session.coverUrl ? <img src={session.coverUrl} alt="" loading="lazy" /> : <CoverArt title={session.title} />}
          <div className="cover-top">
            <LiveBadge />
            {session.visibility === 'private' && <span className="pill">Private</span>}
          </div>
          <ViewerCount count={session.viewerCount} className="cover-viewers" />
        </div>
        <div className="card-body">
          <h2 className="card-title">{session.title}</h2>
          <p className="card-host">{session.host.name}</p>
        </div>
      </Link>
      {session.tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {session.tags.map((t) => (
            <li key={t}>
              <Link to={`/?tag=${encodeURIComponent(t)}`} className="tag">
                #{t}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

/** A cover for sessions without an image: a gradient picked from the title, so each stays recognisable. */
function CoverArt({ title }: { title: string }) {
  let hash = 0;
  for (const ch of title) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return (
    <div
      className="cover-art"
      style={{ background: `linear-gradient(135deg, hsl(${hash} 70% 45%), hsl(${(hash + 60) % 360} 70% 30%))` }}
      aria-hidden="true"
    >
      {title.slice(0, 1).toUpperCase()}
    </div>
  );
}
