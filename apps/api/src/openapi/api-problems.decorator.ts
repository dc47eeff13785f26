import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemFactory } from '@ringfence/problems';
import { ProblemResponse } from './problem.schema';

/**
 * Documents the catalogued problems a route answers beyond the gate's and the boundary's:
 * one response per status, its `code` narrowed to those problems, each linked to its type.
 */
export function ApiProblems(...problems: readonly ProblemFactory[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemFactory[]>();
  for (const problem of problems) byStatus.set(problem.status, [...(byStatus.get(problem.status) ?? []), problem]);
  return applyDecorators(
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
  );
}
