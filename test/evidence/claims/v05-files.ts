import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V5.3.2',
      claim:
        "The only file path built from request data is the console's static file: a request path resolves inside the bundle directory, and every traversal spelling (.., encoded, backslashes, NUL, dotfiles, source maps) answers the page or a problem, never a file outside it; every other path (key files, checkpoints, mail) comes from configuration.",
    },
    {
      id: 'V5.4.1',
      claim:
        'The two downloads name their file in Content-Disposition from server values only: audit-events.ndjson or .csv for the audit export, workspace-<id>-export.ndjson (the id from the validated path) for the workspace export; no client-supplied file name is taken.',
    },
  ],
  unclaimed: [
    {
      ids: ['V5.1.1', 'V5.2.1', 'V5.2.2', 'V5.2.3'],
      why: 'Not applicable: Ringfence accepts no file uploads. Bodies are JSON only (1 MB, 5 MB on batch routes, bounded in shape; ADR 0010), and a compressed body is a 415, never unpacked.',
    },
    {
      ids: ['V5.3.1'],
      why: 'Not applicable: nothing received is stored as a file; the only folder served is the console build, which is read-only and holds no received content.',
    },
    {
      ids: ['V5.4.2'],
      why: 'Not applicable: no served file name carries untrusted text; both are fixed names or a workspace UUID the route validated, so there is nothing to encode.',
    },
    {
      ids: ['V5.4.3'],
      why: 'Not applicable: Ringfence serves no file obtained from an untrusted source; its downloads are its own records (audit events, a workspace export).',
    },
  ],
};
export default claims;
