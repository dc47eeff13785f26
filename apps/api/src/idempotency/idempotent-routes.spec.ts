import { Controller, Delete, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { AdminRoles, Public, Scopes } from '@ringfence/access';
import { Audited } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { RevealedVaultSecretDto } from '../vault/dto/vault.dto';
import '../vault/vault-secrets';
import '../workspaces/api-keys/api-keys.service';
import { CreatedApiKeyDto } from '../workspaces/api-keys/dto/api-key.dto';
import { IdempotencyProblems } from './idempotency.problems';
import { Idempotent } from './idempotent.decorator';
import { idempotentRouteProblems } from './idempotent-routes';

class TransferDto {
  @ApiProperty()
  id!: string;
}
class Wrapper {
  @ApiProperty({ type: () => RevealedVaultSecretDto })
  revealed!: RevealedVaultSecretDto;
}

/** The decorator's rules, read at boot from the routes' metadata (the application refuses to start on any line). */
describe('@Idempotent() routes', () => {
  it('admits an audited API-key mutation, with the decorator above or below the others', () => {
    @Controller('ok')
    class Fine {
      @Post()
      @Scopes('vault:write')
      @Audited('transfer.create')
      @Idempotent()
      @ApiCreatedResponse({ type: TransferDto })
      below(): void {}

      @Idempotent()
      @Delete(':id')
      @Audited('transfer.delete')
      @Scopes('vault:write')
      above(): void {}
    }
    expect(idempotentRouteProblems(Fine)).toEqual([]);
  });

  it('admits an admin route (each admin’s own keys); refuses a read, a public route, and a route without its transaction', () => {
    @Controller('bad')
    class Misused {
      @Get()
      @Scopes('vault:read')
      @Idempotent()
      read(): void {}

      @Post('admin')
      @AdminRoles('admin')
      @Audited('workspace.create')
      @Idempotent()
      admin(): void {}

      @Post('public')
      @Public()
      @Audited('probe.public_write')
      @Idempotent()
      anonymous(): void {}

      @Post('unaudited')
      @Scopes('vault:write')
      @Idempotent()
      unaudited(): void {}
    }
    expect(idempotentRouteProblems(Misused)).toEqual([
      expect.stringMatching(/^Misused\.read: .*POST, PUT, PATCH and DELETE/),
      expect.stringMatching(/^Misused\.read: .*needs @Audited/),
      expect.stringMatching(/^Misused\.anonymous: .*API-key routes \(@Scopes\) and admin routes/),
      expect.stringMatching(/^Misused\.unaudited: .*needs @Audited/),
    ]);
  });

  it('refuses a route whose answer carries a field an owner declared secret, at any depth', () => {
    @Controller('secrets')
    class Secrets {
      @Post('keys')
      @Scopes('keys:manage')
      @Audited('api_key.create')
      @Idempotent()
      @ApiCreatedResponse({ type: CreatedApiKeyDto })
      createKey(): void {}

      @Post('reveal')
      @Scopes('vault:reveal')
      @Audited('vault_secret.reveal')
      @Idempotent()
      @ApiOkResponse({ type: [Wrapper] })
      reveal(): void {}
    }
    expect(idempotentRouteProblems(Secrets)).toEqual([
      'Secrets.createKey: its 201 answer has the secret field "key", and a replay would send it again',
      'Secrets.reveal: its 200 answer has the secret field "revealed.value", and a replay would send it again',
    ]);
  });

  it('documents its problems beside the route’s own of the same status, in either order', () => {
    class Documented {
      @Idempotent()
      @ApiProblems(RequestProblems.CONFLICT, RequestProblems.NOT_FOUND)
      first(): void {}

      @ApiProblems(RequestProblems.CONFLICT)
      @Idempotent()
      second(): void {}
    }
    const codesOf = (handler: object, status: number): string[] => {
      type ProblemContent = { schema: { allOf: { properties?: { code: { enum: string[] } } }[] } };
      const responses = Reflect.getMetadata('swagger/apiResponse', handler) as Record<string, { content: Record<string, ProblemContent> }>;
      return responses[status]!.content['application/problem+json']!.schema.allOf[1]!.properties!.code.enum;
    };
    for (const handler of [Documented.prototype.first, Documented.prototype.second]) {
      expect(codesOf(handler, 409).sort()).toEqual([RequestProblems.CONFLICT.code, IdempotencyProblems.IDEMPOTENCY_KEY_IN_FLIGHT.code]);
      expect(codesOf(handler, 400)).toEqual([
        IdempotencyProblems.IDEMPOTENCY_KEY_REQUIRED.code,
        IdempotencyProblems.IDEMPOTENCY_KEY_MALFORMED.code,
      ]);
    }
    expect(codesOf(Documented.prototype.first, 404)).toEqual([RequestProblems.NOT_FOUND.code]);
  });
});
