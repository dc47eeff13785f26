import type { ClaimSet } from '../model';

const claims: ClaimSet = { claims: [], unclaimed: [] };
export default claims;
