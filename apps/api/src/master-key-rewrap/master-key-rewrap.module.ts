import { Module } from '@nestjs/common';
import { MasterKeyRewrap } from './master-key-rewrap';

/** Key custody operations on the keyring (ring L1): rewrapping sealed columns. */
@Module({ providers: [MasterKeyRewrap], exports: [MasterKeyRewrap] })
export class MasterKeyRewrapModule {}
