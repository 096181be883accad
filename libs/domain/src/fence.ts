/**
 * The DNS backend's fencing rule (invariant 8), as one pure function shared by
 * the backend and the simulator. A write carries the activation number of the
 * decision it enacts; activations grow with every PlanActivated, so a write of
 * an earlier decision than the one the backend holds is refused. The same
 * activation again is the same decision (a retried write): idempotent.
 */
export interface FencedWrite {
  readonly activation: number;
  readonly generation: number;
}

/** True when the backend holding `held` (null: nothing yet) serves `write` after it arrives. */
export function fenceAccepts(held: FencedWrite | null, write: FencedWrite): boolean {
  if (held === null || write.activation > held.activation) return true;
  return write.activation === held.activation && write.generation === held.generation;
}
