import { fenceAccepts, type FencedWrite, type PlanRecord } from '@plan-fabric/domain';

/** What the simulated DNS backend serves for the endpoint. */
export interface ServedRecordSet {
  readonly activation: number;
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly writer: string;
}

export interface BackendWrite extends FencedWrite {
  readonly records: readonly PlanRecord[];
}

export type Fence = (held: FencedWrite | null, write: FencedWrite) => boolean;

export interface BackendWriteResult {
  readonly accepted: boolean;
  readonly heldActivation: number | null;
  /** The write carried no records: refused before the fence, as the real backend does. */
  readonly empty: boolean;
}

/**
 * The DNS backend in memory: the same fence as PgDnsBackend (fenceAccepts, or
 * a deliberately broken one for the can-fail tests), and the same refusal of
 * an empty record set.
 */
export class SimDnsBackend {
  private current: ServedRecordSet | null = null;
  accepted = 0;
  refused = 0;

  constructor(private readonly fence: Fence = fenceAccepts) {}

  get served(): ServedRecordSet | null {
    return this.current;
  }

  write(write: BackendWrite, writer: string): BackendWriteResult {
    const heldActivation = this.current?.activation ?? null;
    if (write.records.length === 0) return { accepted: false, heldActivation, empty: true };
    if (!this.fence(this.current, write)) {
      this.refused++;
      return { accepted: false, heldActivation, empty: false };
    }
    this.accepted++;
    this.current = { activation: write.activation, generation: write.generation, records: write.records, writer };
    return { accepted: true, heldActivation, empty: false };
  }
}

/**
 * Invariant 8 over one backend write: once the endpoint is served it is never
 * served an empty record set (nor nothing), and never an earlier activation
 * than it held. Null when the write kept it.
 */
export function backendViolation(before: ServedRecordSet | null, after: ServedRecordSet | null): string | null {
  if (before === null) return after !== null && after.records.length === 0 ? 'the first record set served is empty' : null;
  if (after === null) return `the record set of generation ${before.generation} (activation ${before.activation}) vanished`;
  if (after.records.length === 0) return `the backend serves an empty record set (generation ${after.generation})`;
  if (after.activation < before.activation) {
    return (
      `the backend moved back from activation ${before.activation} (generation ${before.generation}) ` +
      `to activation ${after.activation} (generation ${after.generation}), written by ${after.writer}`
    );
  }
  return null;
}
