// The measured-step budget (`bisect.maxSteps`). Every measured state costs one step, the confirmation and
// the final re-check included; a state that fails to install costs none (nothing was measured).
export class StepBudget {
  private spent = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxSteps must be a positive integer (got ${max})`);
  }

  get used(): number {
    return this.spent;
  }

  get remaining(): number {
    return Math.max(0, this.max - this.spent);
  }

  get exhausted(): boolean {
    return this.spent >= this.max;
  }

  charge(): void {
    this.spent += 1;
  }
}

/** The cost goal: ⌈log2(changed packages)⌉ + ⌈log2(releases)⌉ + 3 measured steps. */
export function costGoal(changedPackages: number, releases: number): number {
  const log = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));
  return log(changedPackages) + log(releases) + 3;
}
