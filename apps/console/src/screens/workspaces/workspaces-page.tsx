/** To be built: see issue 18. */
export function WorkspacesPage() {
  return <h1>Workspaces</h1>;
}
