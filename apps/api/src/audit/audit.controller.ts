import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles, AdminRolesOrScopes, Public } from '@ringfence/access';
import { AuditChain, AuditEventFilter, AuditEvents, AuditProblems, SecurityEvents } from '@ringfence/audit';
import { RequestContext, RequestContextStore } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { Readable } from 'node:stream';
import { exportLines } from './audit-export-format';
import { AuditCheckpoints } from './checkpoints/audit-checkpoints';
import {
  AuditCheckpointDto,
  AuditCheckpointPageDto,
  AuditCheckpointPublicKeyDto,
  AuditCheckpointsQueryDto,
} from './dto/audit-checkpoint.dto';
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS } from './audit-actions';
import {
  AuditActionDto,
  AuditEventsQueryDto,
  AuditExportQueryDto,
  AuditFilterQueryDto,
  AuditPageDto,
  ChainReportDto,
} from './dto/audit.dto';

/**
 * The audit log, read (docs/routes.md: `/v1/audit/*`): auditors and owners across every
 * workspace; a key with `audit:read` its own workspace's rows through the same route.
 * Every read is itself audited (who looked, with which filter), in its own transaction.
 */
@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly events: AuditEvents,
    private readonly chain: AuditChain,
    private readonly securityEvents: SecurityEvents,
    private readonly context: RequestContext,
    private readonly checkpoints: AuditCheckpoints,
  ) {}

  @Get('events')
  @AdminRolesOrScopes({ roles: ['auditor', 'owner'], scopes: ['audit:read'] })
  @ApiBearerAuth('admin')
  @ApiBearerAuth('apiKey')
  @ApiOkResponse({ type: AuditPageDto })
  @ApiProblems(AuditProblems.INVALID_CURSOR, AuditProblems.WORKSPACE_FROM_KEY)
  @ApiOperation({ operationId: 'audit.events.list', summary: 'List audit events' })
  async list(@Query() query: AuditEventsQueryDto): Promise<AuditPageDto> {
    const filter = this.filterFrom(query);
    const page = await this.events.page(filter, { afterCursor: query.cursor, limit: query.limit ?? 50 });
    await this.securityEvents.record({ action: 'audit.read', outcome: 'success', after: { filter: { ...query } } });
    return page;
  }

  /**
   * The same filter, every matching row, streamed newest first as NDJSON or CSV: read a
   * batch at a time as the client takes them, so memory stays flat whatever the range.
   */
  @Get('events/export')
  @AdminRolesOrScopes({ roles: ['auditor', 'owner'], scopes: ['audit:read'] })
  @ApiBearerAuth('admin')
  @ApiBearerAuth('apiKey')
  @ApiOkResponse({
    description: 'One event per line (`format=ndjson`, the default), or CSV with a header row (`format=csv`), as an attachment.',
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: 'One AuditEvent as JSON per line.' } },
      'text/csv': { schema: { type: 'string', description: 'A header row, then one event per row.' } },
    },
  })
  @ApiProblems(AuditProblems.WORKSPACE_FROM_KEY)
  @ApiOperation({ operationId: 'audit.events.export', summary: 'Export audit events as NDJSON or CSV' })
  async export(@Query() query: AuditExportQueryDto): Promise<StreamableFile> {
    const { format = 'ndjson', ...filterQuery } = query;
    const filter = this.filterFrom(filterQuery);
    await this.securityEvents.record({ action: 'audit.export', outcome: 'success', after: { filter: { ...query } } });
    const lines = exportLines(within(this.context.store!, this.events.export(filter)), format);
    return new StreamableFile(Readable.from(lines), {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      disposition: `attachment; filename="audit-events.${format}"`,
    });
  }

  @Get('verify')
  @AdminRoles('auditor', 'owner')
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: ChainReportDto, description: 'The first break in the hash chain, or none.' })
  @ApiOperation({ operationId: 'audit.verify', summary: "Verify the audit log's hash chain" })
  async verify(): Promise<ChainReportDto> {
    const report = await this.chain.verify();
    await this.securityEvents.record({
      action: 'audit.verify',
      outcome: 'success',
      after: { intact: report.intact, checked: report.checked, unsealed: report.unsealed },
    });
    return { ...report, oldestUnsealedAt: report.oldestUnsealedAt?.toISOString() ?? null };
  }

  /**
   * The signed chain heads (docs/adr/0027-audit-checkpoints.md), newest first, as the table
   * keeps them. The anchor is the exported file; `npm run audit:verify -- --checkpoints` checks it.
   */
  @Get('checkpoints')
  @AdminRoles('auditor', 'owner')
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: AuditCheckpointPageDto })
  @ApiProblems(AuditProblems.INVALID_CURSOR)
  @ApiOperation({ operationId: 'audit.checkpoints.list', summary: 'List the signed audit checkpoints' })
  async listCheckpoints(@Query() query: AuditCheckpointsQueryDto): Promise<AuditCheckpointPageDto> {
    const limit = query.limit ?? 50;
    const rows: AuditCheckpointDto[] = await this.checkpoints.page({
      ...(query.cursor === undefined ? {} : { beforeSeq: decodeCheckpointCursor(query.cursor) }),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    await this.securityEvents.record({ action: 'audit.read', outcome: 'success', after: { checkpoints: { ...query } } });
    return { items, nextCursor: rows.length > limit ? encodeCheckpointCursor(items.at(-1)!.seq) : null };
  }

  /**
   * The checkpoint keys' public halves, by version: public, like a JWKS, so that an auditor
   * verifies the exported checkpoints with no credential of ours (and no trust in our API
   * beyond fetching a key once, which they can pin).
   */
  @Get('checkpoints/public-keys')
  @Public()
  @ApiOkResponse({ type: [AuditCheckpointPublicKeyDto], description: 'Every `audit-checkpoint.vN.pem` version present, lowest first.' })
  @ApiOperation({ operationId: 'audit.checkpoints.publicKeys', summary: 'The audit checkpoint public keys' })
  checkpointPublicKeys(): AuditCheckpointPublicKeyDto[] {
    return this.checkpoints.publicKeys();
  }

  /** The catalogue of actions (audit-actions.ts): what each row's `action` means, and what `action=` filters on. */
  @Get('actions')
  @AdminRolesOrScopes({ roles: ['auditor', 'owner'], scopes: ['audit:read'] })
  @ApiBearerAuth('admin')
  @ApiBearerAuth('apiKey')
  @ApiOkResponse({ type: [AuditActionDto], description: 'Every action an audit row can carry, sorted, with what it records.' })
  @ApiOperation({ operationId: 'audit.actions.list', summary: 'List the audit actions' })
  actions(): AuditActionDto[] {
    return AUDIT_ACTION_NAMES.map((action) => ({ action, description: AUDIT_ACTIONS[action] }));
  }

  /** A key reads its own workspace: the workspace comes from the key, never from the query (AuditEvents scopes it). */
  private filterFrom(query: AuditFilterQueryDto & { cursor?: string; limit?: number }): AuditEventFilter {
    const { cursor: _cursor, limit: _limit, from, to, ...fields } = query;
    if (this.context.principal.kind === 'api_key' && fields.workspaceId !== undefined) {
      throw AuditProblems.WORKSPACE_FROM_KEY();
    }
    return { ...fields, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) };
  }
}

/** Pulls `source` inside the request's context: the stream is read after the handler returned. */
async function* within<T>(store: RequestContextStore, source: AsyncGenerator<T>): AsyncGenerator<T> {
  for (;;) {
    const next = await RequestContext.run(store, () => source.next());
    if (next.done) return;
    yield next.value;
  }
}

/** Opaque to clients; a chain sequence underneath. */
function encodeCheckpointCursor(seq: number): string {
  return Buffer.from(`c:${seq}`).toString('base64url');
}

function decodeCheckpointCursor(cursor: string): number {
  const match = /^c:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw AuditProblems.INVALID_CURSOR();
  return Number(match[1]);
}
