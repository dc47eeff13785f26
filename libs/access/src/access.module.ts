import { Module } from '@nestjs/common';
import { AccessGuard } from './access.guard';

/** Admin identity, API keys and provider signatures plug their authenticators in here. */
@Module({
  providers: [AccessGuard],
  exports: [AccessGuard],
})
export class AccessModule {}
