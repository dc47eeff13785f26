/**
 * Between the API client and the step-up dialog: a call answered STEP_UP_REQUIRED asks here,
 * the dialog (StepUpDialog, mounted once) answers true when a code was accepted, false when the
 * admin cancelled. Concurrent asks share one dialog.
 */
export class StepUpBridge {
  private pending: Promise<boolean> | undefined;
  private opener: (() => Promise<boolean>) | undefined;

  /** The dialog registers how to open itself; none mounted means no step-up can be given. */
  attach(opener: () => Promise<boolean>): () => void {
    this.opener = opener;
    return () => {
      if (this.opener === opener) this.opener = undefined;
    };
  }

  ask(): Promise<boolean> {
    const opener = this.opener;
    if (!opener) return Promise.resolve(false);
    this.pending ??= opener().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }
}

export const stepUp = new StepUpBridge();
