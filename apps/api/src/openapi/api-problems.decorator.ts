import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemFactory } from '@ringfence/problems';
import { ProblemResponse } from './problem.schema';

/** Where @nestjs/swagger keeps a route's responses (its API_RESPONSES, which the package does not export). */
const API_RESPONSES = 'swagger/apiResponse';
/** The problems documented so far on a route (or a controller), across every `@ApiProblems` on it. */
const DOCUMENTED_PROBLEMS = Symbol('ringfence:documented-problems');

/**
 * Documents the catalogued problems a route answers beyond the gate's and the boundary's:
 * one response per status, its `code` narrowed to those problems, each linked to its type.
 * Several on one route add up (a route's own and those a decorator such as `@Idempotent()`
 * brings), whatever their order: Swagger's own merge would keep one code list per status.
 */
export function ApiProblems(...problems: readonly ProblemFactory[]): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? (descriptor.value as object) : target;
    const earlier = (Reflect.getMetadata(DOCUMENTED_PROBLEMS, holder) as readonly ProblemFactory[] | undefined) ?? [];
    const documented = [...earlier, ...problems.filter((problem) => !earlier.includes(problem))];
    Reflect.defineMetadata(DOCUMENTED_PROBLEMS, documented, holder);
    const statuses = new Set(problems.map((problem) => problem.status));
    // The statuses documented again here lose the entry an earlier @ApiProblems made (it is rewritten whole).
    const responses = (Reflect.getMetadata(API_RESPONSES, holder) as Record<string, unknown> | undefined) ?? {};
    const kept = Object.entries(responses).filter(
      ([status]) => !(statuses.has(Number(status)) && earlier.some((p) => p.status === Number(status))),
    );
    Reflect.defineMetadata(API_RESPONSES, Object.fromEntries(kept), holder);
    const byStatus = new Map<number, ProblemFactory[]>();
    for (const problem of documented.filter((candidate) => statuses.has(candidate.status)))
      byStatus.set(problem.status, [...(byStatus.get(problem.status) ?? []), problem]);
    applyDecorators(
      ApiExtraModels(ProblemResponse),
      ...[...byStatus].map(([status, sharing]) =>
        ApiResponse({
          status,
          description: sharing.map((problem) => `[${problem.code}](${problem.type})`).join(', '),
          content: {
            [PROBLEM_CONTENT_TYPE]: {
              schema: {
                allOf: [
                  { $ref: getSchemaPath(ProblemResponse) },
                  { type: 'object', properties: { code: { type: 'string', enum: sharing.map((problem) => problem.code) } } },
                ],
              },
            },
          },
        }),
      ),
    )(target, key, descriptor);
  };
}
