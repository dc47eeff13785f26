import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ADMIN_AUTHENTICATOR } from '@ringfence/access';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { OwnAccount } from './account/own-account';
import { ADMIN_IDENTITY_OPTIONS, AdminIdentityOptions } from './admin-identity.options';
import { AdminJwtAuthenticator } from './admin-jwt/admin-jwt.authenticator';
import { AdminJwtStrategy } from './admin-jwt/admin-jwt.strategy';
import { AdminBootstrap } from './admins/admin-bootstrap';
import { AdminDirectory } from './admins/admin-directory';
import { AdminManagement } from './admins/admin-management';
import { AdminsController } from './admins/admins.controller';
import { AuthController } from './auth.controller';
import { AdminLogin } from './login/admin-login';
import { PasswordResetMail } from './password-reset/password-reset-mail';
import { PasswordResets } from './password-reset/password-resets';
import { PasswordHasher } from './passwords/password-hasher';
import { PasswordPolicy } from './passwords/password-policy';
import { SecondFactor } from './second-factor/second-factor';
import { Totp } from './second-factor/totp';
import { AdminSessions } from './sessions/admin-sessions';
import { AccessTokens } from './tokens/access-tokens';
import { SigningKeys } from './tokens/signing-keys';

/**
 * Admin identity (ring L4, and the admin half of L5): passwords, TOTP, sessions with
 * refresh-token families, the admin JWT authenticator the AccessGate uses, and the
 * `/v1/auth` and `/v1/admin/admins` routes. The application provides the mail transport
 * (MAIL_TRANSPORT); attempt budgets are counted by the RateLimitsModule's AttemptLimiter.
 */
@Global()
@Module({})
export class AdminIdentityModule {
  static forRoot(options: AdminIdentityOptions, extra: { providers?: Provider[] } = {}): DynamicModule {
    return {
      module: AdminIdentityModule,
      controllers: [AuthController, AdminsController],
      providers: [
        { provide: ADMIN_IDENTITY_OPTIONS, useValue: options },
        {
          provide: SigningKeys,
          inject: [KeyMaterialDirectory],
          useFactory: (directory: KeyMaterialDirectory) => SigningKeys.load(directory, options.signingKeyVersion),
        },
        { provide: JwtService, useValue: new JwtService({}) },
        AccessTokens,
        AdminSessions,
        AdminJwtStrategy,
        AdminJwtAuthenticator,
        { provide: ADMIN_AUTHENTICATOR, useExisting: AdminJwtAuthenticator },
        PasswordHasher,
        PasswordPolicy,
        Totp,
        AdminDirectory,
        SecondFactor,
        AdminLogin,
        OwnAccount,
        AdminManagement,
        AdminBootstrap,
        PasswordResets,
        PasswordResetMail,
        ...(extra.providers ?? []),
      ],
      exports: [ADMIN_AUTHENTICATOR, AdminBootstrap, PasswordResets, SigningKeys, AccessTokens, Totp],
    };
  }
}
