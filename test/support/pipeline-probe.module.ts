import { Body, Controller, Get, Module, NotFoundException, Post, Query, Res } from '@nestjs/common';
import { AdminRoles, Public, Scopes } from '@ringfence/access';
import { Audited, AuditTrail } from '@ringfence/audit';
import { RequestContext, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { BatchBody } from '../../apps/api/src/http/body-limits';

export class CreateProbeWorkspaceDto {
  @IsString()
  @MaxLength(200)
  name!: string;

  @IsOptional()
  @IsBoolean()
  failAfterWrite?: boolean;
}

export class EchoDto {
  @IsString()
  @MaxLength(10)
  name!: string;

  @IsOptional()
  @IsString()
  password?: string;
}

export class ConflictProbeDto {
  @IsString()
  @MaxLength(200)
  name!: string;

  /** How many attempts, from the first, meet a serialization failure raised by the database. */
  @IsInt()
  @Min(0)
  @Max(100)
  conflicts!: number;
}

class ProbeFailure extends Error {}

/** What the conflict probe's attempts did (unit-of-work retry tests); reset by the test. */
export const conflictProbe = { attempts: 0, committed: 0 };

/** A request held open until the test releases it (graceful-shutdown tests). */
export const slowGate = {
  entered: undefined as (() => void) | undefined,
  release: undefined as (() => void) | undefined,
};

@Controller('probe')
class PipelineProbeController {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly trail: AuditTrail,
    private readonly context: RequestContext,
  ) {}

  @Post('workspaces')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.create')
  async createWorkspace(@Body() body: CreateProbeWorkspaceDto): Promise<{ id: string }> {
    const [row] = await sqlRows<{ id: string }>(this.unitOfWork.manager, 'INSERT INTO workspaces (name) VALUES ($1) RETURNING id', [
      body.name,
    ]);
    const id = row!.id;
    this.trail.record({ target: { type: 'workspace', id }, after: { name: body.name } });
    if (body.failAfterWrite) throw new ProbeFailure('failed after the write');
    return { id };
  }

  /**
   * An audited mutation that meets a real serialization failure on its first `conflicts`
   * attempts. Each attempt writes a workspace, records an audit change (the first one a
   * `before` that must not leak into a later attempt), sets a cookie and queues an
   * after-commit callback.
   */
  @Post('conflict')
  @AdminRoles('owner', 'admin')
  @Audited('workspace.create')
  async conflict(
    @Body() body: ConflictProbeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ id: string; attempt: number }> {
    conflictProbe.attempts += 1;
    const attempt = conflictProbe.attempts;
    const [row] = await sqlRows<{ id: string }>(this.unitOfWork.manager, 'INSERT INTO workspaces (name) VALUES ($1) RETURNING id', [
      body.name,
    ]);
    const id = row!.id;
    this.trail.record({
      target: { type: 'workspace', id },
      after: { name: body.name, attempt },
      ...(attempt === 1 ? { before: { leakedFromAttempt: 1 } } : {}),
    });
    void reply.header('set-cookie', `probe_attempt=${attempt}`);
    this.unitOfWork.afterCommit(() => void (conflictProbe.committed += 1));
    if (attempt <= body.conflicts) {
      await this.unitOfWork.manager.query(`DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END $$`);
    }
    return { id, attempt };
  }

  @Get('workspaces')
  @Scopes()
  listWorkspaces(@Query('id') id?: string): Promise<{ ids: string[]; setting: string; readOnly: string }> {
    return this.unitOfWork.read(async () => {
      const rows = id
        ? await sqlRows<{ id: string }>(this.unitOfWork.manager, 'SELECT id FROM workspaces WHERE id = $1', [id])
        : await sqlRows<{ id: string }>(this.unitOfWork.manager, 'SELECT id FROM workspaces');
      const [settings] = await sqlRows<{ value: string; readOnly: string }>(
        this.unitOfWork.manager,
        `SELECT current_setting('app.workspace_id') AS value, current_setting('transaction_read_only') AS "readOnly"`,
      );
      return { ids: rows.map((row) => row.id), setting: settings!.value, readOnly: settings!.readOnly };
    });
  }

  @Post('public-audited')
  @Public()
  @Audited('probe.public_write')
  publicAudited(): { ok: true } {
    this.trail.record({ after: { note: 'written by an anonymous caller' } });
    return { ok: true };
  }

  @Get('reveal')
  @Scopes('vault:reveal')
  reveal(): { revealed: true } {
    return { revealed: true };
  }

  @Get('whoami')
  @Scopes()
  whoami(): { workspaceId: string; requestId?: string } {
    return { workspaceId: this.context.workspaceId, requestId: this.context.requestId };
  }

  @Post('echo')
  @Public()
  echo(@Body() body: EchoDto): { name: string } {
    return { name: body.name };
  }

  @Post('batch')
  @Public()
  @BatchBody()
  batch(@Body() body: { items?: unknown[] }): { count: number } {
    return { count: Array.isArray(body.items) ? body.items.length : 0 };
  }

  @Get('slow')
  @Public()
  async slow(): Promise<{ finished: true }> {
    await new Promise<void>((resolve) => {
      slowGate.release = resolve;
      slowGate.entered?.();
    });
    return { finished: true };
  }

  @Get('missing/:id')
  @Public()
  missing(): never {
    throw new NotFoundException();
  }

  /**
   * A write with no unit of work around it (no @Audited, no run()), of the kind the admin
   * tables' outside-workspace policy would admit on the pool: refused, never sent there.
   */
  @Post('outside-unit-of-work')
  @Public()
  async writeOutsideUnitOfWork(): Promise<void> {
    await this.unitOfWork.manager.query(`UPDATE admins SET role = 'owner'`);
  }

  @Get('boom')
  @Public()
  boom(): never {
    throw new Error('SELECT * FROM vault WHERE password = hunter2-db-secret');
  }

  @Get('undeclared')
  undeclared(): string {
    return 'should never be reached';
  }
}

/** Probe routes for the pipeline tests; callers are real admins and real API keys. */
@Module({
  controllers: [PipelineProbeController],
})
export class PipelineProbeModule {}
