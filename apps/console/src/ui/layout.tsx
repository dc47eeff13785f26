import { NavLink, Outlet, useNavigate } from 'react-router';
import { session } from '../session/session';
import { StepUpDialog } from '../session/step-up-dialog';
import { hasRole, useMe } from '../session/use-session';

/** The signed-in frame: navigation by role, who is signed in, sign-out, and the step-up dialog. */
export function Layout() {
  const me = useMe();
  const navigate = useNavigate();
  const signOut = async (): Promise<void> => {
    await session.signOut();
    await navigate('/sign-in', { replace: true });
  };
  return (
    <div className="frame">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Ringfence</span>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/workspaces">Workspaces</NavLink>
            </li>
            {hasRole(me, 'owner') && (
              <li>
                <NavLink to="/admins">Admins</NavLink>
              </li>
            )}
            {hasRole(me, 'owner', 'auditor') && (
              <li>
                <NavLink to="/audit">Audit</NavLink>
              </li>
            )}
            <li>
              <NavLink to="/account">Account</NavLink>
            </li>
          </ul>
        </nav>
        <div className="who">
          <span>
            {me.email} <span className="badge">{me.role}</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <StepUpDialog />
    </div>
  );
}
