import { Module } from '@nestjs/common';
import { AccessGate } from './access-gate';

/** Admin identity, API keys and provider signatures plug their authenticators in here. */
@Module({
  providers: [AccessGate],
  exports: [AccessGate],
})
export class AccessModule {}
