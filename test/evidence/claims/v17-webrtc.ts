import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [],
  unclaimed: [
    {
      ids: ['V17'],
      why: 'Not applicable: Ringfence has no WebRTC: no TURN server, no media, no signalling; the console and the API speak HTTPS only.',
    },
  ],
};
export default claims;
