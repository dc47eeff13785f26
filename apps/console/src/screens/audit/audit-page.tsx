/** To be built: see issue 18. */
export function AuditPage() {
  return <h1>Audit</h1>;
}
