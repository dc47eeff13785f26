import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoles, AdminRolesOrScopes } from '@ringfence/access';
import { AuditChain, AuditEventFilter, AuditEvents, AuditProblems, SecurityEvents } from '@ringfence/audit';
import { RequestContext, RequestContextStore } from '@ringfence/tenancy';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { Readable } from 'node:stream';
import { exportLines } from './audit-export-format';
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
