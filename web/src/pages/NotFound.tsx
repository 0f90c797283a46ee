import { Link } from 'react-router';

export function NotFound() {
  return (
    <section className="state-screen">
      <h1>Nothing here</h1>
      <p>This page does not exist.</p>
      <Link className="btn" to="/">
        Browse lives
      </Link>
    </section>
  );
}
