import { ApiProperty } from '@nestjs/swagger';

/** The response key as a JWK (RFC 7517), for consoles that take one. */
export class CosignerPublicJwkDto {
  @ApiProperty({ enum: ['RSA'] }) kty!: 'RSA';
  @ApiProperty({ description: 'The modulus, base64url.' }) n!: string;
  @ApiProperty({ description: 'The public exponent, base64url.', example: 'AQAB' }) e!: string;
  @ApiProperty({ example: 'v1' }) kid!: string;
  @ApiProperty({ enum: ['RS256'] }) alg!: 'RS256';
  @ApiProperty({ enum: ['sig'] }) use!: 'sig';
}

/** The public half of the key our co-signer answers are signed with: what the provider's co-signer verifies them by. */
export class CosignerPublicKeyDto {
  @ApiProperty({ example: 'simulator' }) provider!: string;

  @ApiProperty({
    example: 'v1',
    description: 'The `kid` header of every answer this key signs: the version of its file, `cosigner-response.vN.pem`.',
  })
  kid!: string;

  @ApiProperty({ enum: ['RS256'] }) algorithm!: 'RS256';

  @ApiProperty({ description: 'The public key, SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as a co-signer configuration takes it.' })
  publicKeyPem!: string;

  @ApiProperty({ type: CosignerPublicJwkDto, description: 'The same key as a JWK.' })
  jwk!: CosignerPublicJwkDto;
}
