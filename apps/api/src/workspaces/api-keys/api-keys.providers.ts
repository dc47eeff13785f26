import { Provider } from '@nestjs/common';
import { API_KEY_AUTHENTICATOR } from '@ringfence/access';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { AdminApiKeysController } from './admin-api-keys.controller';
import { API_KEY_AUTH_OPTIONS, ApiKeyAuthOptions } from './api-key-auth.options';
import { ApiKeyPeppers } from './api-key-peppers';
import { ApiKeyUsage } from './api-key-usage';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeysService } from './api-keys.service';
import { KEY_REVOCATIONS, LocalKeyRevocations } from './key-revocations';
import { OwnApiKeysController } from './own-api-keys.controller';

/** Every route about keys: the admin's, and a key managing its own workspace's. */
export const API_KEY_CONTROLLERS = [AdminApiKeysController, OwnApiKeysController];

/**
 * Everything about workspace API keys, and the only code that writes `api_keys`: issuing,
 * rotating and revoking (ApiKeysService), verifying as the AccessGate's `api_key`
 * authenticator, `last_used_at` (ApiKeyUsage), and the peppers that hash them.
 * Revocations stay in this process unless the app passes a shared channel.
 */
export function apiKeyProviders(
  options: ApiKeyAuthOptions,
  revocations: Provider = { provide: KEY_REVOCATIONS, useClass: LocalKeyRevocations },
): Provider[] {
  return [
    { provide: API_KEY_AUTH_OPTIONS, useValue: options },
    {
      provide: ApiKeyPeppers,
      inject: [KeyMaterialDirectory],
      useFactory: (directory: KeyMaterialDirectory) => ApiKeyPeppers.load(directory),
    },
    revocations,
    ApiKeyAuthenticator,
    ApiKeyUsage,
    { provide: API_KEY_AUTHENTICATOR, useExisting: ApiKeyAuthenticator },
    ApiKeysService,
  ];
}

/** What the rest of the app may use: the gate's authenticator. */
export const API_KEY_EXPORTS = [API_KEY_AUTHENTICATOR];
