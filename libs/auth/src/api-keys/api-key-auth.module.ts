import { Global, Module } from '@nestjs/common';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { API_KEY_AUTHENTICATOR } from '../authenticator';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyPeppers } from './api-key-peppers';
import { ApiKeyUsage } from './api-key-usage';

/** Workspace API keys as the AccessGuard's `api_key` authenticator, and the peppers that hash them. */
@Global()
@Module({
  providers: [
    { provide: ApiKeyPeppers, inject: [KeyMaterialDirectory], useFactory: (directory: KeyMaterialDirectory) => ApiKeyPeppers.load(directory) },
    ApiKeyAuthenticator,
    ApiKeyUsage,
    { provide: API_KEY_AUTHENTICATOR, useExisting: ApiKeyAuthenticator },
  ],
  exports: [API_KEY_AUTHENTICATOR, ApiKeyPeppers, ApiKeyUsage],
})
export class ApiKeyAuthModule {}
