import type { Provider } from '@nestjs/common';
import { AUDIT_HEAD_ANCHOR } from '@ringfence/audit';
import { KeyMaterialDirectory } from '@ringfence/crypto';
import { AUDIT_CHECKPOINT_OPTIONS, AuditCheckpoints } from './audit-checkpoints';
import { CheckpointKeys } from './checkpoint-keys';

/** The signed checkpoints, as the audit module's head anchor: the keys load at boot (a missing key stops it there). */
export function auditCheckpointProviders(options: { directory: string; keyVersion?: number }): Provider[] {
  return [
    { provide: AUDIT_CHECKPOINT_OPTIONS, useValue: { directory: options.directory } },
    {
      provide: CheckpointKeys,
      inject: [KeyMaterialDirectory],
      useFactory: (directory: KeyMaterialDirectory) => CheckpointKeys.load(directory, options.keyVersion),
    },
    AuditCheckpoints,
    { provide: AUDIT_HEAD_ANCHOR, useExisting: AuditCheckpoints },
  ];
}
