import type { ActivationSummary, PlanSummary } from '@plan-fabric/db';

/** What a plan was during a run of the event log. Deleted plans end where they were deleted. */
export type TimelineStatus = 'pending' | 'active' | 'fallback';

/** [fromSeq, toSeq): event seqs, the only clock the fabric has (events carry no wall time). */
export interface TimelineSegment {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly status: TimelineStatus;
}

export interface TimelineRow {
  readonly generation: number;
  /** The plan's status now. */
  readonly status: PlanSummary['status'];
  readonly totalWeight: number;
  readonly recordCount: number;
  readonly proposedSeq: number;
  readonly deletedSeq: number | null;
  readonly segments: readonly TimelineSegment[];
}

export interface PlanTimeline {
  /** The axis: from the oldest shown plan's proposal to just after the last event. */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Ascending by generation. */
  readonly rows: readonly TimelineRow[];
  readonly activations: readonly ActivationSummary[];
}

/**
 * Plan history as bars: for each plan, from its proposal to its deletion (or
 * now), what it was between activations — pending above the active
 * generation, active, fallback below it. Derived from the plans' proposal and
 * deletion seqs and the PlanActivated events, with the same rule as the
 * projection's status (libs/db planStatus). Pure.
 */
export function planTimeline(plans: readonly PlanSummary[], activations: readonly ActivationSummary[], lastEventSeq: number): PlanTimeline {
  const toSeq = lastEventSeq + 1;
  const ordered = [...activations].sort((a, b) => a.seq - b.seq);
  // Before the first activation shown, the active plan was the one it replaced (older activations may be cut off).
  const initialActive = ordered[0]?.previousGeneration ?? null;
  const activeAt = (seq: number): number | null => {
    let active = initialActive;
    for (const activation of ordered) {
      if (activation.seq > seq) break;
      active = activation.generation;
    }
    return active;
  };
  const statusAt = (generation: number, seq: number): TimelineStatus => {
    const active = activeAt(seq);
    if (active === null || generation > active) return 'pending';
    return generation === active ? 'active' : 'fallback';
  };

  const rows = [...plans]
    .sort((a, b) => a.generation - b.generation)
    .map((plan): TimelineRow => {
      const end = plan.deletedSeq ?? toSeq;
      const cuts = [plan.proposedSeq, ...ordered.map((a) => a.seq).filter((seq) => seq > plan.proposedSeq && seq < end), end];
      const segments: TimelineSegment[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const fromSeq = cuts[i] as number;
        const status = statusAt(plan.generation, fromSeq);
        const previous = segments.at(-1);
        if (previous !== undefined && previous.status === status) segments[segments.length - 1] = { ...previous, toSeq: cuts[i + 1] as number };
        else segments.push({ fromSeq, toSeq: cuts[i + 1] as number, status });
      }
      return {
        generation: plan.generation,
        status: plan.status,
        totalWeight: plan.totalWeight,
        recordCount: plan.records.length,
        proposedSeq: plan.proposedSeq,
        deletedSeq: plan.deletedSeq,
        segments,
      };
    });
  const fromSeq = Math.min(toSeq - 1, ...rows.map((row) => row.proposedSeq), ...ordered.map((a) => a.seq));
  return { fromSeq: Math.max(1, fromSeq), toSeq, rows, activations: ordered };
}
