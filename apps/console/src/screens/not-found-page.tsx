import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no console page here. <Link to="/workspaces">Go to the workspaces</Link>
      </p>
    </>
  );
}
