import { NavLink, Route, Routes } from 'react-router';
import { useAuth } from './golive/auth.tsx';
import { Admin } from './pages/Admin.tsx';
import { Browse } from './pages/Browse.tsx';
import { GoLive } from './pages/GoLive.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Studio } from './pages/Studio.tsx';
import { Watch } from './pages/Watch.tsx';
import { Webhooks } from './pages/Webhooks.tsx';

export function App() {
  const { user, signOut } = useAuth();
  if (!user) return <SignIn />;
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
          <NavLink to="/go-live" className="nav-cta">
            Go Live
          </NavLink>
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
        <Routes>
          <Route path="/" element={<Browse />} />
          <Route path="/go-live" element={<GoLive />} />
          <Route path="/studio/:id" element={<Studio />} />
          <Route path="/watch/:id" element={<Watch />} />
          <Route path="/admin" element={<Admin />} />
          <Route path="/admin/webhooks" element={<Webhooks />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </div>
  );
}
