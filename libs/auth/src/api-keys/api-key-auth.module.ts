import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { API_KEY_AUTHENTICATOR } from '../authenticator';
import { API_KEY_AUTH_OPTIONS, ApiKeyAuthOptions } from './api-key-auth.options';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyPeppers } from './api-key-peppers';
import { ApiKeyUsage } from './api-key-usage';
import { KEY_REVOCATIONS, LocalKeyRevocations } from './key-revocations';

/**
 * Workspace API keys as the AccessGuard's `api_key` authenticator, and the peppers that
 * hash them. Revocations stay in this process unless the app passes a shared channel.
 */
@Global()
@Module({})
export class ApiKeyAuthModule {
  static forRoot(
    options: ApiKeyAuthOptions,
    revocations: Provider = { provide: KEY_REVOCATIONS, useClass: LocalKeyRevocations },
  ): DynamicModule {
    return {
      module: ApiKeyAuthModule,
      providers: [
        { provide: API_KEY_AUTH_OPTIONS, useValue: options },
        { provide: ApiKeyPeppers, inject: [KeyMaterialDirectory], useFactory: (directory: KeyMaterialDirectory) => ApiKeyPeppers.load(directory) },
        revocations,
        ApiKeyAuthenticator,
        ApiKeyUsage,
        { provide: API_KEY_AUTHENTICATOR, useExisting: ApiKeyAuthenticator },
      ],
      exports: [API_KEY_AUTHENTICATOR, ApiKeyAuthenticator, ApiKeyPeppers, ApiKeyUsage, KEY_REVOCATIONS],
    };
  }
}
