/** What an admin page shows to someone who is not an admin. */
export function AdminsOnly() {
  return (
    <section className="state-screen">
      <h1>Admins only</h1>
      <p>Sign in with an admin account to see this page.</p>
    </section>
  );
}
