/** To be built: see issue 18. */
export function AdminsPage() {
  return <h1>Admins</h1>;
}
