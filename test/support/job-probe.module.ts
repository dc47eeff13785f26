import { Injectable, Module } from '@nestjs/common';
import { Job, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { holdUntilReleased } from './probe-hold';

/** What a probe job's turns did, and what the next ones will do; reset by the test. */
export class ProbeJobControl {
  turns = 0;
  running = 0;
  mostAtOnce = 0;
  /** The next turns that throw (with code PROBE_FAILED), before any is held. */
  failuresLeft = 0;
  /** While set, a turn that does not fail waits for it (after `entered`). */
  hold?: Promise<void>;
  /** Called as a turn is held. */
  entered?: () => void;
  /** Turns read the settings their unit of work acts under. */
  readSettings = false;
  /** What the last such turn read, after its hold. */
  settings?: { actor: string; platform: string };
  /** Called when a turn's signal aborts (the application stops). */
  aborted?: () => void;
  finished: string[] = [];

  /** Everything but the count of turns in flight (a turn may be between two awaits). */
  reset(): void {
    const running = this.running;
    Object.assign(this, new ProbeJobControl());
    this.running = running;
  }

  /** A hold the test releases. */
  holdUntilReleased(): { entered: Promise<void>; release: () => void } {
    return holdUntilReleased(this);
  }
}

export const clusterProbe = new ProbeJobControl();
export const instanceProbe = new ProbeJobControl();

class ProbeFailure extends Error {
  readonly code = 'PROBE_FAILED';
}

@Injectable()
class JobProbe {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  @Job({ name: 'probe-cluster', scope: 'cluster', everyMs: 5 })
  clusterTurn(signal: AbortSignal): Promise<void> {
    return this.turn(clusterProbe, signal);
  }

  @Job({ name: 'probe-instance', scope: 'instance', everyMs: 5 })
  instanceTurn(signal: AbortSignal): Promise<void> {
    return this.turn(instanceProbe, signal);
  }

  private async turn(control: ProbeJobControl, signal: AbortSignal): Promise<void> {
    control.running += 1;
    control.mostAtOnce = Math.max(control.mostAtOnce, control.running);
    const onAbort = (): void => control.aborted?.();
    signal.addEventListener('abort', onAbort);
    try {
      if (control.failuresLeft > 0) {
        control.failuresLeft -= 1;
        throw new ProbeFailure('the probe job failed on purpose');
      }
      if (control.hold) {
        control.entered?.();
        await control.hold;
      }
      if (control.readSettings) {
        const [row] = await this.unitOfWork.run(() =>
          sqlRows<{ actor: string; platform: string }>(
            this.unitOfWork.manager,
            `SELECT current_setting('app.actor') AS actor, current_setting('app.platform') AS platform`,
          ),
        );
        control.settings = row;
      }
      control.turns += 1;
      control.finished.push('turn');
    } finally {
      signal.removeEventListener('abort', onAbort);
      control.running -= 1;
    }
  }
}

/** Two jobs, one per scope, every 5 ms, steered by `clusterProbe` and `instanceProbe`. */
@Module({ providers: [JobProbe] })
export class JobProbeModule {}
