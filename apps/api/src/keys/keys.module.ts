import { Module } from '@nestjs/common';
import { KeyRewrap } from './key-rewrap';

/** Key custody operations on the keyring (ring L1): rewrapping sealed columns. */
@Module({ providers: [KeyRewrap], exports: [KeyRewrap] })
export class KeysModule {}
