import { PageQuery } from '../paging/page-query';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AccessProblems, AnyAdmin, Public, StepUp, callerOf, unauthenticated } from '@ringfence/access';
import { Audited, AuditedInService, SecurityEvents } from '@ringfence/audit';
import { ATTEMPT_BUDGETS, type AttemptBudget, AttemptLimiter } from '@ringfence/limits';
import { RequestProblems } from '@ringfence/problems';
import { ANONYMOUS, Principal, RequestContext } from '@ringfence/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { OwnAccount } from './account/own-account';
import { AdminIdentityProblems } from './admin-identity.problems';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions } from './admin-identity.options';
import { AdminJwtAuthenticator } from './admin-jwt/admin-jwt.authenticator';
import {
  AcceptedDto,
  ChangePasswordDto,
  CodeDto,
  ConfirmTotpDto,
  ForgotPasswordDto,
  LoginDto,
  LoginResponseDto,
  MeDto,
  PasswordChangedDto,
  RecoveryCodesDto,
  RefreshDto,
  RefreshTokenDelivery,
  ResetPasswordDto,
  SecondFactorDto,
  SessionPageDto,
  SessionTokensDto,
  TotpEnrolmentDto,
} from './dto/auth.dto';
import { AdminLogin, LoginResult, setupSteps, SetupStep } from './login/admin-login';
import { PasswordResets } from './password-reset/password-resets';
import { AdminSessions, RefreshDelivery, SessionTokens } from './sessions/admin-sessions';
import { clearRefreshCookie, csrfHeaderOf, refreshCookieOf, refreshCookiesOf, setRefreshCookie } from './sessions/refresh-cookie';

type AdminPrincipal = Extract<Principal, { kind: 'admin' }>;

/** The admin console's way in: `/v1/auth` (docs/routes.md). */
@ApiTags('admin auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly login: AdminLogin,
    private readonly sessions: AdminSessions,
    private readonly account: OwnAccount,
    private readonly resets: PasswordResets,
    private readonly limiter: AttemptLimiter,
    private readonly context: RequestContext,
    private readonly adminJwt: AdminJwtAuthenticator,
    private readonly events: SecurityEvents,
    @Inject(ADMIN_IDENTITY_OPTIONS) private readonly options: AdminIdentityOptions,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: LoginResponseDto, description: 'A second-factor challenge, or a setup-only session.' })
  @ApiOperation({ operationId: 'auth.login', summary: 'Log in with email and password' })
  async postLogin(@Body() body: LoginDto): Promise<LoginResponseDto> {
    return this.loginResponse(await this.login.login(body.email, body.password));
  }

  @Post('mfa')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: SessionTokensDto,
    description: 'A full session, or a setup one while a one-time password is still to be replaced.',
  })
  @ApiOperation({ operationId: 'auth.mfa', summary: 'Finish a login with a TOTP or recovery code' })
  async postMfa(
    @Body() body: SecondFactorDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionTokensDto> {
    const cookie = body.refreshTokenDelivery === 'cookie';
    const result = await this.login.completeSecondFactor(body.challenge, body.code, this.delivery(cookie, request));
    if (result.kind !== 'session') throw unauthenticated();
    return this.deliver(result.tokens, result.setupRequired, cookie, reply);
  }

  @Post('refresh')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SessionTokensDto, description: 'A new pair; the presented refresh token is spent.' })
  @ApiOperation({ operationId: 'auth.refresh', summary: 'Rotate a refresh token for new tokens' })
  async postRefresh(
    @Body() body: RefreshDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionTokensDto> {
    const fromCookie = body.refreshToken === undefined;
    const csrfToken = csrfHeaderOf(request);
    // Several __Secure-rf_refresh values (a tossed one beside ours): the one the CSRF header proves, or none.
    const cookies = fromCookie ? refreshCookiesOf(request) : [];
    // Only refused refreshes spend the address's budget. An address whose budget is spent is
    // refused before the database (429, the first of the block audited as rate_limited, as
    // login and MFA do), except a console's request (the cookie with its CSRF header): a
    // neighbour behind the same address (an office NAT, a VPN) who spends the budget with empty
    // or junk requests never signs the admins out. Such a request costs one indexed read, and
    // its refusal is still the 429.
    const charge: [AttemptBudget, string] = [ATTEMPT_BUDGETS.refreshPerIp, this.context.clientIp ?? 'unknown'];
    const limited = (): Promise<void> =>
      this.events.record({ action: 'auth.refresh', outcome: 'denied', reason: 'rate_limited' }, ANONYMOUS);
    const consoleShaped = cookies.length > 0 && csrfToken !== undefined && csrfToken !== '';
    let charged = false;
    if (!consoleShaped && this.limiter.isSpent(...charge)) {
      await this.limiter.enforce([charge], limited);
      // Room again (the window slid): this attempt is paid for; a refusal below costs no more.
      charged = true;
    }
    const refuse = async (): Promise<never> => {
      if (!charged) await this.limiter.enforce([charge], limited);
      throw unauthenticated();
    };
    const token = body.refreshToken ?? (await this.sessions.cookieOf(cookies, csrfToken));
    if (!token) {
      // No credential at all is no attempt worth a row; several cookies none of which is proven is.
      if (cookies.length > 1) await this.sessions.refuseRefresh('ambiguous_cookie');
      return refuse();
    }
    const outcome = await this.sessions.rotate(token, fromCookie ? { csrfToken } : undefined);
    if (outcome.kind === 'refused') {
      // The cookie is cleared only when its CSRF header was proven (checked before these two)
      // and its session is over; an unproven refusal (unknown token, CSRF mismatch) keeps it,
      // so it never signs a live console out and looks the same whether the token was real.
      if (fromCookie && (outcome.reason === 'session_ended' || outcome.reason === 'reuse_detected')) {
        clearRefreshCookie(reply, this.options.secureCookies);
      }
      return refuse();
    }
    return this.deliver(outcome.tokens, [], fromCookie, reply);
  }

  /**
   * Public, with its own proof (as refresh): the access token, or the refresh cookie with its
   * CSRF header, so a console whose access token expired (a laptop that slept) still ends its
   * session. Each ended session is audited by AdminSessions.logout, as its admin.
   */
  @Post('logout')
  @Public()
  @AuditedInService('auth.logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiHeader({
    name: 'X-CSRF-Token',
    required: false,
    description: "With the `__Secure-rf_refresh` cookie, instead of (or beside) an access token: the CSRF token of the cookie's session.",
  })
  @ApiNoContentResponse({
    description:
      "This session (its refresh-token family) is ended; its access tokens stop working at once. The `__Secure-rf_refresh` cookie is cleared when the `X-CSRF-Token` header proves it and its session is over (ended here or before), a refusal's too; never otherwise.",
  })
  @ApiProblems(AccessProblems.UNAUTHENTICATED)
  @ApiOperation({
    operationId: 'auth.logout',
    summary: "End this session's token family",
    description:
      'Prove the session with its access token (`Authorization: Bearer`), or, from the console, with the `__Secure-rf_refresh` cookie and its `X-CSRF-Token` (no access token needed, an expired one is ignored). With both, a cookie of the same admin ends too: this answer clears it.',
  })
  async postLogout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const csrfToken = csrfHeaderOf(request);
    const { ended, clearCookie } = await this.sessions.logout({
      bearer: await this.bearerOf(request),
      cookie: await this.sessions.cookieOf(refreshCookiesOf(request), csrfToken),
      csrfToken,
    });
    // Only a cookie the CSRF header proves, whose session is over: a same-site page's bare
    // POST (no header) cannot sign the console out, and never on ambiguity (several cookies).
    if (clearCookie) clearRefreshCookie(reply, this.options.secureCookies);
    if (!ended) throw unauthenticated();
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Always the same answer, whether or not the email belongs to an admin.' })
  @ApiOperation({ operationId: 'auth.password.forgot', summary: 'Ask for a password reset mail' })
  async postForgot(@Body() body: ForgotPasswordDto): Promise<AcceptedDto> {
    await this.resets.request(body.email);
    return { status: 'accepted', detail: 'If this email belongs to an admin, a reset link is on its way.' };
  }

  @Post('password/reset')
  @Public()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password replaced; every session of the admin is ended.' })
  @ApiProblems(AdminIdentityProblems.RESET_REJECTED)
  @ApiOperation({ operationId: 'auth.password.reset', summary: 'Set a new password with a reset token' })
  async postReset(@Body() body: ResetPasswordDto): Promise<void> {
    await this.resets.reset(body.token, body.newPassword, body.code);
  }

  @Post('password/change')
  @AnyAdmin({ duringSetup: true })
  @Audited('admin.password_change')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: PasswordChangedDto, description: 'Every other session of the admin is ended.' })
  @ApiProblems(AdminIdentityProblems.CURRENT_PASSWORD_REJECTED)
  @ApiOperation({ operationId: 'auth.password.change', summary: 'Change your own password' })
  async postChangePassword(
    @Body() body: ChangePasswordDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordChangedDto> {
    const cookie = body.refreshTokenDelivery === 'cookie';
    const progress = await this.account.changePassword(
      this.admin(),
      body.currentPassword,
      body.newPassword,
      this.delivery(cookie, request),
    );
    return { passwordChanged: true, ...(progress.tokens ? { session: this.deliver(progress.tokens, [], cookie, reply) } : {}) };
  }

  @Post('totp/enroll')
  @AnyAdmin({ duringSetup: true })
  @Audited('admin.totp_enrol')
  @ApiBearerAuth('admin')
  @ApiCreatedResponse({ type: TotpEnrolmentDto, description: 'Pending until confirmed with a code.' })
  @ApiProblems(AdminIdentityProblems.TOTP_ALREADY_ENROLLED)
  @ApiOperation({ operationId: 'auth.totp.enrol', summary: 'Start TOTP enrolment' })
  enrolTotp(): Promise<TotpEnrolmentDto> {
    return this.account.startTotpEnrolment(this.admin());
  }

  @Post('totp/confirm')
  @AnyAdmin({ duringSetup: true })
  @Audited('admin.totp_confirm')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'TOTP is active; the recovery codes are shown once.' })
  @ApiProblems(
    AdminIdentityProblems.TOTP_ALREADY_ENROLLED,
    AdminIdentityProblems.TOTP_NOT_STARTED,
    AdminIdentityProblems.SECOND_FACTOR_REJECTED,
  )
  @ApiOperation({ operationId: 'auth.totp.confirm', summary: 'Confirm TOTP enrolment (recovery codes shown once)' })
  async confirmTotp(
    @Body() body: ConfirmTotpDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecoveryCodesDto> {
    const cookie = body.refreshTokenDelivery === 'cookie';
    const result = await this.account.confirmTotp(this.admin(), body.code, this.delivery(cookie, request));
    return {
      recoveryCodes: result.recoveryCodes,
      ...(result.tokens ? { session: this.deliver(result.tokens, [], cookie, reply) } : {}),
    };
  }

  @Post('step-up')
  @AnyAdmin()
  @Audited('auth.step_up')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('admin')
  @ApiNoContentResponse({ description: 'Step-up routes are open to this session for five minutes.' })
  @ApiProblems(AdminIdentityProblems.SECOND_FACTOR_REJECTED)
  @ApiOperation({ operationId: 'auth.stepUp', summary: 'Prove a fresh second factor for sensitive routes' })
  async postStepUp(@Body() body: CodeDto): Promise<void> {
    await this.account.stepUp(this.admin(), body.code);
  }

  @Post('recovery-codes')
  @AnyAdmin()
  @StepUp()
  @Audited('admin.recovery_codes_regenerate')
  @ApiBearerAuth('admin')
  @ApiCreatedResponse({ type: RecoveryCodesDto, description: 'A new set; the old set stops working.' })
  @ApiOperation({ operationId: 'auth.recoveryCodes.regenerate', summary: 'Regenerate your recovery codes (shown once)' })
  async regenerateRecoveryCodes(): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.account.regenerateRecoveryCodes(this.admin()) };
  }

  @Get('me')
  @AnyAdmin({ duringSetup: true })
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: MeDto })
  @ApiOperation({ operationId: 'auth.me', summary: 'The signed-in admin' })
  async me(): Promise<MeDto> {
    const principal = this.admin();
    const state = await this.sessions.stateOf(principal.sessionId);
    if (!state) throw unauthenticated();
    return {
      id: principal.adminId,
      email: state.email,
      role: state.role,
      sessionId: principal.sessionId,
      stage: state.stage,
      setupRequired: setupSteps(state),
    };
  }

  @Get('sessions')
  @AnyAdmin()
  @ApiBearerAuth('admin')
  @ApiOkResponse({ type: SessionPageDto, description: 'Newest first; `nextCursor` reads the next page.' })
  @ApiOperation({ operationId: 'auth.sessions.list', summary: 'List your own sessions' })
  async listSessions(@Query() query: PageQuery): Promise<SessionPageDto> {
    const principal = this.admin();
    const page = await this.sessions.list(principal.adminId, principal.sessionId, query);
    return {
      items: page.items.map((session) => ({
        ...session,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  @Delete('sessions/:id')
  @AnyAdmin()
  @Audited('auth.session_revoke')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('admin')
  @ApiNoContentResponse({ description: 'The session is ended; 404 for a session that is not yours or not live.' })
  @ApiProblems(RequestProblems.NOT_FOUND)
  @ApiOperation({ operationId: 'auth.sessions.revoke', summary: 'End one of your own sessions' })
  async revokeSession(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<void> {
    const principal = this.admin();
    if (!(await this.sessions.revoke(id, 'revoked_by_admin', principal.adminId))) throw RequestProblems.NOT_FOUND();
  }

  private admin(): AdminPrincipal {
    return callerOf(this.context, 'admin');
  }

  /** The admin an `Authorization: Bearer` access token proves, as the gate would admit it on an admin route; none for a bad or expired one. */
  private async bearerOf(request: FastifyRequest): Promise<AdminPrincipal | undefined> {
    if (request.headers.authorization === undefined) return undefined;
    try {
      const principal = await this.adminJwt.authenticate(request);
      return principal.kind === 'admin' ? principal : undefined;
    } catch (error) {
      // A refused token is no proof; anything else (the database is down) is the answer.
      if (AccessProblems.UNAUTHENTICATED.is(error)) return undefined;
      throw error;
    }
  }

  private loginResponse(result: LoginResult): LoginResponseDto {
    if (result.kind === 'second_factor_required') {
      return { status: 'second_factor_required', challenge: result.challenge, challengeExpiresIn: result.expiresIn };
    }
    return { status: 'setup_required', session: this.deliver(result.tokens, result.setupRequired, false) };
  }

  /** A cookie sign-in overwrites the browser's `__Secure-rf_refresh`: the one it came with goes along (its family may end). */
  private delivery(cookie: boolean, request: FastifyRequest): RefreshDelivery {
    const previousCookie = cookie ? refreshCookieOf(request) : undefined;
    return { cookie, ...(previousCookie !== undefined ? { previousCookie } : {}) };
  }

  /** With cookie delivery the refresh token goes into the cookie and never into the body. */
  private deliver(tokens: SessionTokens, setupRequired: SetupStep[], cookie: boolean, reply?: FastifyReply): SessionTokensDto {
    const { refreshToken, ...rest } = tokens;
    const delivery: RefreshTokenDelivery = cookie && reply ? 'cookie' : 'body';
    if (refreshToken && delivery === 'cookie' && reply) {
      setRefreshCookie(reply, refreshToken, this.options.secureCookies);
    }
    return {
      ...rest,
      tokenType: 'Bearer',
      ...(refreshToken && delivery === 'body' ? { refreshToken } : {}),
      setupRequired,
    };
  }
}
