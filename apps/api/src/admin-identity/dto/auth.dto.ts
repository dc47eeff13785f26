import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AdminSessionStage } from '@ringfence/tenancy';
import { IsEmail, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateBy, ValidationOptions } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordLength } from '../passwords/password-policy';

/** Counted in characters (code points) exactly as typed: nothing trimmed or normalised. */
function IsPasswordInput(min: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPasswordInput',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && passwordLength(value) >= min && passwordLength(value) <= PASSWORD_MAX_LENGTH,
        defaultMessage: () => `must be a string of ${min} to ${PASSWORD_MAX_LENGTH} characters`,
      },
    },
    options,
  );
}

const SECOND_FACTOR_CODE = /^(\d{6}|[0-9A-Za-z]{4}(-?[0-9A-Za-z]{4}){5})$/;
const secondFactorMessage = 'must be a 6-digit TOTP code or a recovery code';

export type RefreshTokenDelivery = 'body' | 'cookie';

export class LoginDto {
  @ApiProperty({ example: 'owner@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: 1, maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordInput(1)
  password!: string;
}

export class SecondFactorDto {
  @ApiProperty({ description: 'The challenge `POST /v1/auth/login` returned.' })
  @IsString()
  @Length(43, 43)
  challenge!: string;

  @ApiProperty({ example: '123456', description: 'A TOTP code, or one of the recovery codes.' })
  @IsString()
  @Matches(SECOND_FACTOR_CODE, { message: secondFactorMessage })
  code!: string;

  @ApiPropertyOptional({
    enum: ['body', 'cookie'],
    default: 'body',
    description: '`cookie`: the refresh token is set as an HttpOnly cookie on /v1/auth, and a CSRF token is returned.',
  })
  @IsOptional()
  @IsIn(['body', 'cookie'])
  refreshTokenDelivery?: RefreshTokenDelivery;
}

export class RefreshDto {
  @ApiPropertyOptional({ description: 'Omit when the refresh token is in the cookie (then send X-CSRF-Token).' })
  @IsOptional()
  @IsString()
  @Length(43, 43)
  refreshToken?: string;
}

export class CodeDto {
  @ApiProperty({ example: '123456' })
  @IsString()
  @Matches(SECOND_FACTOR_CODE, { message: secondFactorMessage })
  code!: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ example: '123456', description: 'The current code of the newly enrolled authenticator.' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be a 6-digit code' })
  code!: string;

  @ApiPropertyOptional({ enum: ['body', 'cookie'], default: 'body' })
  @IsOptional()
  @IsIn(['body', 'cookie'])
  refreshTokenDelivery?: RefreshTokenDelivery;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'owner@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset link.' })
  @IsString()
  @Length(43, 43)
  token!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordInput(PASSWORD_MIN_LENGTH)
  newPassword!: string;

  @ApiPropertyOptional({ description: 'Required when the admin has TOTP: a TOTP code or a recovery code.' })
  @IsOptional()
  @IsString()
  @Matches(SECOND_FACTOR_CODE, { message: secondFactorMessage })
  code?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordInput(1)
  currentPassword!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsPasswordInput(PASSWORD_MIN_LENGTH)
  newPassword!: string;

  @ApiPropertyOptional({ enum: ['body', 'cookie'], default: 'body' })
  @IsOptional()
  @IsIn(['body', 'cookie'])
  refreshTokenDelivery?: RefreshTokenDelivery;
}

export class SessionTokensDto {
  @ApiProperty({ enum: ['setup', 'full'] })
  stage!: AdminSessionStage;

  @ApiProperty()
  sessionId!: string;

  @ApiProperty({ description: 'ES256 JWT, `typ` at+jwt.' })
  accessToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 600 })
  expiresIn!: number;

  @ApiPropertyOptional({ description: 'Full sessions with body delivery only. Shown once.' })
  refreshToken?: string;

  @ApiPropertyOptional({ description: 'Cookie delivery only: send it as X-CSRF-Token when refreshing.' })
  csrfToken?: string;

  @ApiProperty({ enum: ['totp_enrolment', 'password_change'], isArray: true })
  setupRequired!: string[];
}

export class LoginResponseDto {
  @ApiProperty({ enum: ['second_factor_required', 'setup_required'] })
  status!: 'second_factor_required' | 'setup_required';

  @ApiPropertyOptional({ description: 'Present with second_factor_required: send it to POST /v1/auth/mfa.' })
  challenge?: string;

  @ApiPropertyOptional({ example: 300 })
  challengeExpiresIn?: number;

  @ApiPropertyOptional({ type: SessionTokensDto, description: 'Present with setup_required: a setup-only session.' })
  session?: SessionTokensDto;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'RFC 4648 base32, for manual entry.' })
  secret!: string;

  @ApiProperty({ example: 'otpauth://totp/Ringfence:owner%40example.com?secret=…' })
  otpauthUri!: string;

  @ApiProperty({ description: 'The otpauth URI as a PNG data URL.' })
  qrCodeDataUrl!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Shown once. Each works once.' })
  recoveryCodes!: string[];

  @ApiPropertyOptional({ type: SessionTokensDto, description: 'When this finished the account setup: a full session.' })
  session?: SessionTokensDto;
}

export class PasswordChangedDto {
  @ApiProperty({ example: true })
  passwordChanged!: true;

  @ApiPropertyOptional({ type: SessionTokensDto, description: 'When this finished the account setup: a full session.' })
  session?: SessionTokensDto;
}

export class AcceptedDto {
  @ApiProperty({ example: 'accepted' })
  status!: 'accepted';

  @ApiProperty()
  detail!: string;
}

export class SessionDto {
  @ApiProperty() id!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() lastUsedAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ nullable: true, type: String }) clientIp!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty() current!: boolean;
}

export class MeDto {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['owner', 'admin', 'auditor'] }) role!: string;
  @ApiProperty() sessionId!: string;
  @ApiProperty({ enum: ['setup', 'full'] }) stage!: AdminSessionStage;
  @ApiProperty({ enum: ['totp_enrolment', 'password_change'], isArray: true }) setupRequired!: string[];
}

/** A page of Sessions. Newest first. */
export class SessionPageDto {
  @ApiProperty({ type: [SessionDto] }) items!: SessionDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
