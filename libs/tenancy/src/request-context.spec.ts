import { newContextStore, RequestContext, WorkspaceContextMissingError } from './request-context';

describe('RequestContext', () => {
  const context = new RequestContext();

  it('fails closed: no workspace id outside a request, for anonymous callers and for admins', () => {
    expect(() => context.workspaceId).toThrow(WorkspaceContextMissingError);
    RequestContext.run(newContextStore(), () => expect(() => context.workspaceId).toThrow(WorkspaceContextMissingError));
    RequestContext.run(
      newContextStore({ principal: { kind: 'admin', adminId: 'a1', role: 'owner', sessionId: 's1', stage: 'full', secondFactorAt: null } }),
      () => expect(() => context.workspaceId).toThrow(WorkspaceContextMissingError),
    );
  });

  it('takes the workspace from the principal only, and keeps concurrent requests apart [V8.2.2 API1:2023]', async () => {
    const key = (workspaceId: string) =>
      newContextStore({
        principal: { kind: 'api_key', keyId: 'k', workspaceId, scopes: [], environment: 'live', plan: 'standard', expiresAt: null },
      });
    const seen = await Promise.all(
      ['ws-a', 'ws-b'].map((workspaceId) =>
        RequestContext.run(key(workspaceId), async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return context.workspaceId;
        }),
      ),
    );
    expect(seen).toEqual(['ws-a', 'ws-b']);
  });

  it('refuses to authenticate into no context', () => {
    expect(() =>
      context.setPrincipal({ kind: 'admin', adminId: 'a1', role: 'owner', sessionId: 's1', stage: 'full', secondFactorAt: null }),
    ).toThrow(/no request context/);
  });
});
