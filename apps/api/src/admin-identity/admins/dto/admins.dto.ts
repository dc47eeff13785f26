import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ADMIN_ROLES, AdminRole } from '@ringfence/tenancy';
import { IsEmail, IsIn, IsOptional, MaxLength } from 'class-validator';
import { AdminStatus } from '../admin-directory';

export class AdminDto {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ADMIN_ROLES }) role!: AdminRole;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: AdminStatus;
  @ApiProperty() totpEnabled!: boolean;
  @ApiProperty() createdAt!: string;
}

export class CreateAdminDto {
  @ApiProperty({ example: 'ops@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: ADMIN_ROLES })
  @IsIn(ADMIN_ROLES)
  role!: AdminRole;
}

export class CreatedAdminDto {
  @ApiProperty({ type: AdminDto }) admin!: AdminDto;

  @ApiProperty({ description: 'Shown once. The admin replaces it and enrols TOTP at first login.' })
  oneTimePassword!: string;
}

export class UpdateAdminDto {
  @ApiPropertyOptional({ enum: ADMIN_ROLES })
  @IsOptional()
  @IsIn(ADMIN_ROLES)
  role?: AdminRole;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: AdminStatus;
}

/** A page of Admins. Newest first. */
export class AdminPageDto {
  @ApiProperty({ type: [AdminDto] }) items!: AdminDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
