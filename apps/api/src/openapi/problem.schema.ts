import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { InvalidField, ProblemDocument, RequestProblems } from '@ringfence/problems';

class InvalidFieldSchema implements InvalidField {
  @ApiProperty({ example: 'name' })
  field!: string;

  @ApiProperty({ example: ['name must be shorter than or equal to 200 characters'] })
  messages!: string[];
}

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemResponse implements ProblemDocument {
  @ApiProperty({
    description: 'The problem type: https://ringfence.dev/problems/ and the code in kebab case; each has a page in docs/problems/.',
    example: RequestProblems.VALIDATION_FAILED.type,
  })
  type!: string;

  @ApiProperty({ example: RequestProblems.VALIDATION_FAILED.title })
  title!: string;

  @ApiProperty({ example: RequestProblems.VALIDATION_FAILED.status })
  status!: number;

  @ApiProperty({ example: RequestProblems.VALIDATION_FAILED.detail })
  detail!: string;

  /** Its enum, every catalogued code, is filled in by buildOpenApiDocument. */
  @ApiProperty({
    description: 'What went wrong, for a program to act on: one of the catalogued codes.',
    example: RequestProblems.VALIDATION_FAILED.code,
  })
  code!: string;

  @ApiProperty({ example: '5f0c2b8e-5d0a-4a59-9a53-2f7f6b0f7b1e' })
  requestId!: string;

  @ApiPropertyOptional({ type: [InvalidFieldSchema] })
  errors?: InvalidField[];
}
