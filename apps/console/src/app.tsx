import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/problem';
import { AccountPage } from './screens/account/account-page';
import { AdminsPage } from './screens/admins/admins-page';
import { AuditPage } from './screens/audit/audit-page';
import { NotFoundPage } from './screens/not-found-page';
import { SetupPage } from './screens/setup/setup-page';
import { ForgotPasswordPage } from './screens/sign-in/forgot-password-page';
import { ResetPasswordPage } from './screens/sign-in/reset-password-page';
import { SignInPage } from './screens/sign-in/sign-in-page';
import { WorkspacesPage } from './screens/workspaces/workspaces-page';
import { RequireSession } from './session/require-session';
import { session } from './session/session';
import { Layout } from './ui/layout';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // A problem is an answer, not a flake: only the network is retried, once.
      retry: (failures, error) => failures < 1 && error instanceof ApiError && error.status === 0,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
    // A mutation's result can be a secret shown once (a one-time password, recovery codes, a
    // webhook secret): the cache forgets it as soon as no component shows it.
    mutations: { gcTime: 0 },
  },
});
// Nothing of a session outlives it in this page's memory: signed out or lost, the cache goes.
session.subscribe(() => {
  if (session.current.status === 'signed-out') queries.clear();
});

/** The console's pages, under /console. */
export function App() {
  return (
    <QueryClientProvider client={queries}>
      <BrowserRouter basename="/console">
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route
            path="/setup"
            element={
              <RequireSession setup>
                <SetupPage />
              </RequireSession>
            }
          />
          <Route
            element={
              <RequireSession>
                <Layout />
              </RequireSession>
            }
          >
            <Route index element={<Navigate to="/workspaces" replace />} />
            <Route path="/workspaces/*" element={<WorkspacesPage />} />
            <Route path="/admins" element={<AdminsPage />} />
            <Route path="/account" element={<AccountPage />} />
            <Route path="/audit" element={<AuditPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
