import type { ClaimSet } from '../model';
import api from './api-top10';
import v1 from './v01-encoding';
import v2 from './v02-validation';
import v3 from './v03-web-frontend';
import v4 from './v04-api';
import v5 from './v05-files';
import v6 from './v06-authentication';
import v7 from './v07-sessions';
import v8 from './v08-authorization';
import v9 from './v09-tokens';
import v10 from './v10-oauth';
import v11 from './v11-cryptography';
import v12 from './v12-communication';
import v13 from './v13-configuration';
import v14 from './v14-data-protection';
import v15 from './v15-architecture';
import v16 from './v16-logging';
import v17 from './v17-webrtc';

/** Every claim and every requirement we do not claim, one file per ASVS chapter and one for the API Top 10. */
export const CLAIMS: ClaimSet = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, api].reduce<ClaimSet>(
  (all, set) => ({ claims: [...all.claims, ...set.claims], unclaimed: [...all.unclaimed, ...set.unclaimed] }),
  { claims: [], unclaimed: [] },
);
