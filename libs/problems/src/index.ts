export { defineProblems, problemCatalogue, type ProblemCatalogue, type ProblemDefinition, type ProblemFactory } from './define-problems';
export {
  Problem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  problemType,
  type InvalidField,
  type ProblemDocument,
  type ProblemKind,
  type ProblemOccurrence,
} from './problem';
export { isReportedState, type ReportedState, type RetryLater } from './reported-errors';
export { RequestProblems } from './request.problems';
