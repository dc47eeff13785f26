/** To be built: see issue 18. */
export function AccountPage() {
  return <h1>Account</h1>;
}
