/** What a probe waits on while a test holds it: the hold, and the call saying a run is held. */
export interface ProbeHold {
  hold?: Promise<void>;
  entered?: () => void;
}

/** Sets a hold on `control` that the test releases; `entered` resolves once a run is held. */
export function holdUntilReleased(control: ProbeHold): { entered: Promise<void>; release: () => void } {
  let release!: () => void;
  control.hold = new Promise<void>((resolve) => (release = resolve));
  const entered = new Promise<void>((resolve) => (control.entered = resolve));
  return { entered, release };
}
