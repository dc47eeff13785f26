import { NavLink, useParams } from 'react-router';
import { WebhooksTab } from '../webhooks/webhooks-tab';
import { PoliciesTab } from './policies-tab';
import { TransfersTab } from './transfers-tab';

const TABS = { policies: 'Policies', transfers: 'Transfers', webhooks: 'Webhooks' } as const;

/**
 * Temporary mount of the Policies, Transfers and Webhooks tabs at /workspaces/:id/<tab>, until
 * the workspace detail page (screens/workspaces/) hosts them as its tabs: it then renders
 * `<PoliciesTab workspaceId={id} />` and the others itself, and this file goes.
 */
export function WorkspaceTabRoute({ tab }: { tab: keyof typeof TABS }) {
  const { id = '' } = useParams();
  return (
    <>
      <h1>Workspace</h1>
      <nav className="tabs" aria-label="Workspace">
        {Object.entries(TABS).map(([path, label]) => (
          <NavLink key={path} to={`/workspaces/${id}/${path}`}>
            {label}
          </NavLink>
        ))}
      </nav>
      {tab === 'policies' ? (
        <PoliciesTab key={id} workspaceId={id} />
      ) : tab === 'transfers' ? (
        <TransfersTab key={id} workspaceId={id} />
      ) : (
        <WebhooksTab key={id} workspaceId={id} />
      )}
    </>
  );
}
