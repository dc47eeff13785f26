import { defineProblems } from '@ringfence/problems';

/** What the cosigner's routes answer beyond the request problems (docs/adr/0019). */
export const CosignerProblems = defineProblems({
  POLICY_VERSION_NOT_DRAFT: {
    status: 409,
    detail: 'Only the current draft can be activated; this version is active, retired or discarded.',
  },
  REQUEST_ID_MISSING: {
    status: 400,
    detail: 'The signed request carries no usable requestId (1 to 512 characters), so it cannot be answered.',
  },
});
