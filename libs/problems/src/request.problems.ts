import { defineProblems } from './define-problems';

/**
 * What any route may answer, whatever its feature: a request that is not valid, a caller
 * refused without a more precise code, a resource that is not there, and a failure on our
 * side. Also what the boundary answers for an error the framework raised with only a status.
 */
export const RequestProblems = defineProblems({
  BAD_REQUEST: { status: 400, detail: 'The request is not valid.' },
  VALIDATION_FAILED: { status: 400, detail: 'The request has invalid fields.' },
  FORBIDDEN: { status: 403, detail: 'The caller may not do this.' },
  NOT_FOUND: { status: 404, detail: 'No such resource.' },
  CONFLICT: { status: 409, detail: 'The request conflicts with the current state.' },
  INTERNAL: { status: 500, detail: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: { status: 503, detail: 'The service cannot answer right now.' },
});
