import { Body, Controller, Delete, HttpCode, HttpStatus, Module, Param, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiProperty } from '@nestjs/swagger';
import { callerOf, Scopes } from '@ringfence/access';
import { Audited, AuditTrail } from '@ringfence/audit';
import { actorLabel, RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotent, IdempotencyKey } from '../../apps/api/src/idempotency/idempotent.decorator';
import { holdUntilReleased } from './probe-hold';

export class CreateWidgetDto {
  @ApiProperty()
  @IsString()
  @MaxLength(60)
  name!: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  note?: string;
}

export class WidgetDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  /** The key the handler was given (`@IdempotencyKey()`). */
  @ApiProperty()
  idempotencyKey!: string;

  /** Which run of the probe's handlers made it: a replay carries the first run's number. */
  @ApiProperty()
  run!: number;
}

/** What the probe's handlers did, and what the next run will do; reset by the test. */
export class IdempotencyProbeControl {
  runs = 0;
  /** While set, a run waits for it after its write, inside its transaction (holding its key). */
  hold?: Promise<void>;
  entered?: () => void;
  /** The next run throws after its write (a 500): its transaction rolls back. */
  failNext = false;
  /** The next run's connection is cut once its transaction has committed: its answer never leaves. */
  dropNextAnswer = false;

  reset(): void {
    Object.assign(this, new IdempotencyProbeControl());
  }

  /** A hold the test releases. */
  holdUntilReleased(): { entered: Promise<void>; release: () => void } {
    return holdUntilReleased(this);
  }
}

export const idempotencyProbe = new IdempotencyProbeControl();

class ProbeFailure extends Error {}

/**
 * `@Idempotent()` routes of API keys (vault:write), each an audited write of a row (a vault
 * secret's metadata, named after the run) with its audit row, steered by `idempotencyProbe`.
 */
@Controller('probe/idempotent')
class IdempotencyProbeController {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly trail: AuditTrail,
    private readonly context: RequestContext,
  ) {}

  @Post('widgets')
  @Scopes('vault:write')
  @Audited('vault_secret.create')
  @Idempotent()
  @ApiCreatedResponse({ type: WidgetDto })
  async create(
    @Body() body: CreateWidgetDto,
    @IdempotencyKey() idempotencyKey: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WidgetDto> {
    const { id, name, run } = await this.write(body.name);
    if (idempotencyProbe.dropNextAnswer) {
      idempotencyProbe.dropNextAnswer = false;
      this.unitOfWork.afterCommit(() => request.raw.socket.destroy());
    }
    void reply.header('location', `/probe/idempotent/widgets/${id}`);
    return { id, name, idempotencyKey, run };
  }

  @Delete('widgets/:name')
  @Scopes('vault:write')
  @Audited('vault_secret.create')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  async createQuietly(@Param('name') name: string): Promise<void> {
    await this.write(name);
  }

  private async write(name: string): Promise<{ id: string; name: string; run: number }> {
    const run = ++idempotencyProbe.runs;
    const { workspaceId, environment } = callerOf(this.context, 'api_key');
    const [row] = await sqlRows<{ id: string; name: string }>(
      this.unitOfWork.manager,
      `INSERT INTO vault_secrets (workspace_id, environment, name, current_version, created_by) VALUES ($1, $2, $3, 1, $4) RETURNING id, name`,
      [workspaceId, environment, `${name}-${run}`, actorLabel(this.context.principal)],
    );
    this.trail.record({ target: { type: 'vault_secret', id: row!.id }, after: { name: row!.name, run } });
    if (idempotencyProbe.hold) {
      idempotencyProbe.entered?.();
      await idempotencyProbe.hold;
    }
    if (idempotencyProbe.failNext) {
      idempotencyProbe.failNext = false;
      throw new ProbeFailure('the probe failed after its write');
    }
    return { id: row!.id, name: row!.name, run };
  }
}

/** Probe routes for the idempotency-key tests; callers are real API keys. */
@Module({ controllers: [IdempotencyProbeController] })
export class IdempotencyProbeModule {}
