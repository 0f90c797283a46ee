import { GoliveProvider } from '@golive/react';
import { lazy, Suspense } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { type User, useAuth } from './golive/auth.tsx';
import { describeError } from './golive/errors.ts';
import { Admin } from './pages/Admin.tsx';
import { Browse } from './pages/Browse.tsx';
import { GoLive } from './pages/GoLive.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Replay } from './pages/Replay.tsx';
import { Replays } from './pages/Replays.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Studio } from './pages/Studio.tsx';
import { Watch } from './pages/Watch.tsx';
import { Webhooks } from './pages/Webhooks.tsx';

// The analytics screens load on first use: their chart library stays out of Browse and Watch.
const AdminStats = lazy(() => import('./pages/AdminStats.tsx').then((m) => ({ default: m.AdminStats })));
const PastLives = lazy(() => import('./pages/PastLives.tsx').then((m) => ({ default: m.PastLives })));
const Summary = lazy(() => import('./pages/Summary.tsx').then((m) => ({ default: m.Summary })));

export function App() {
  const { user, status, problem, retry, client, signOut } = useAuth();
  if (status === 'signed-out') return <SignIn />;
  if (!user) {
    if (!problem) return <p className="muted page-pad">Signing in…</p>;
    return (
      <section className="state-screen">
        <h1>Cannot sign in right now</h1>
        <p role="alert">{describeError(problem)}</p>
        <button type="button" className="btn btn-primary" onClick={retry}>
          Try again
        </button>
      </section>
    );
  }
  return (
    // One realtime connection per signed-in user: a different user gets a new one.
    <GoliveProvider key={user.id} client={client} me={user}>
      <Shell user={user} signOut={signOut} />
    </GoliveProvider>
  );
}

function Shell({ user, signOut }: { user: User; signOut: () => void }) {
  return (
    <div className="shell" data-lk-theme="default">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="golive home">
          <span className="brand-dot" aria-hidden="true" />
          golive
        </NavLink>
        <nav aria-label="Main" className="topnav">
          <NavLink to="/" end>
            Browse
          </NavLink>
          <NavLink to="/replays">Replays</NavLink>
          <NavLink to="/go-live" className="nav-cta">
            Go Live
          </NavLink>
          <NavLink to="/past-lives">Past lives</NavLink>
          {user.admin && <NavLink to="/admin">Admin</NavLink>}
          {user.admin && <NavLink to="/admin/webhooks">Webhooks</NavLink>}
        </nav>
        <div className="who">
          <span className="avatar" aria-hidden="true">
            {user.name.slice(0, 1).toUpperCase()}
          </span>
          <span className="who-name">{user.name}</span>
          <button type="button" className="btn btn-ghost btn-small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="main">
        <Suspense fallback={<p className="muted page-pad">Loading…</p>}>
          <Routes>
            <Route path="/" element={<Browse />} />
            <Route path="/go-live" element={<GoLive />} />
            <Route path="/studio/:id" element={<Studio />} />
            <Route path="/watch/:id" element={<Watch />} />
            <Route path="/sessions/:id/summary" element={<Summary />} />
            <Route path="/past-lives" element={<PastLives />} />
            <Route path="/replays" element={<Replays />} />
            <Route path="/replays/:recordingId" element={<Replay />} />
            <Route path="/admin" element={<Admin />} />
            <Route path="/admin/stats" element={<AdminStats />} />
            <Route path="/admin/webhooks" element={<Webhooks />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
