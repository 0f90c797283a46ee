import { Link } from 'react-router';

export type EndState = 'ended' | 'kicked' | 'banned' | 'forbidden' | 'not-found' | 'error';

const COPY: Record<EndState, { icon: string; title: string; text: string }> = {
  ended: { icon: '🎬', title: 'This live has ended', text: 'Thanks for watching. Find another live on Browse.' },
  kicked: { icon: '👋', title: 'You were removed from this live', text: 'The host removed you. You can join again later.' },
  banned: { icon: '⛔', title: 'You are banned from this live', text: 'The host banned you from this session.' },
  forbidden: { icon: '🔒', title: 'You are not allowed in', text: 'This live is private. Ask the host to invite you.' },
  'not-found': { icon: '❓', title: 'Live not found', text: 'This live does not exist.' },
  error: { icon: '⚠️', title: 'Something went wrong', text: 'Try again in a moment.' },
};

/** The clear end states of a live: ended, kicked, banned, not allowed. */
export function StatusScreen({ state, detail }: { state: EndState; detail?: string | null }) {
  const copy = COPY[state];
  return (
    <section className="state-screen" data-state={state} aria-live="assertive">
      <div className="state-icon" aria-hidden="true">
        {copy.icon}
      </div>
      <h1>{copy.title}</h1>
      <p>{detail || copy.text}</p>
      <Link className="btn btn-primary" to="/">
        Browse lives
      </Link>
    </section>
  );
}
