import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { InvalidField, ProblemDocument } from '@ringfence/problems';

class InvalidFieldSchema implements InvalidField {
  @ApiProperty({ example: 'name' })
  field!: string;

  @ApiProperty({ example: ['name must be shorter than or equal to 200 characters'] })
  messages!: string[];
}

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemResponse implements ProblemDocument {
  @ApiProperty({ example: 'https://ringfence.dev/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Bad Request' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request has invalid fields.' })
  detail!: string;

  @ApiProperty({ example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiProperty({ example: '5f0c2b8e-5d0a-4a59-9a53-2f7f6b0f7b1e' })
  requestId!: string;

  @ApiPropertyOptional({ type: [InvalidFieldSchema] })
  errors?: InvalidField[];
}
