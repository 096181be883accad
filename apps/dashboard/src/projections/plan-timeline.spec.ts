import { describe, expect, it } from 'vitest';
import type { ActivationSummary, PlanSummary } from '@plan-fabric/db';
import { planTimeline } from './plan-timeline';

const plan = (generation: number, status: PlanSummary['status'], proposedSeq: number, deletedSeq: number | null = null): PlanSummary => ({
  generation,
  status,
  records: [{ address: '192.0.2.1', weight: 1 }],
  ttl: 60,
  totalWeight: 1,
  proposedSeq,
  activatedSeq: null,
  deletedSeq,
});
const activation = (seq: number, generation: number, previousGeneration: number | null, role: 'enactor' | 'operator' = 'enactor'): ActivationSummary => ({
  seq,
  commandOffset: seq - 1,
  generation,
  activation: 0,
  previousGeneration,
  by: { role, id: role === 'operator' ? 'op' : 'az-a' },
  reason: role === 'operator' ? 'roll back' : null,
});

describe('plan timeline', () => {
  it('given proposals, activations, a rollback and a delete, then each plan is pending, active or fallback between activations', () => {
    const timeline = planTimeline(
      [plan(1, 'deleted', 2, 12), plan(2, 'active', 3), plan(3, 'pending', 6)],
      [activation(4, 1, null), activation(5, 2, 1), activation(8, 3, 2), activation(10, 2, 3, 'operator')],
      13,
    );
    expect(timeline).toMatchObject({ fromSeq: 2, toSeq: 14 });
    expect(timeline.rows.map((row) => [row.generation, row.segments.map((x) => `${x.status} ${x.fromSeq}-${x.toSeq}`)])).toEqual([
      [1, ['pending 2-4', 'active 4-5', 'fallback 5-12']],
      [2, ['pending 3-5', 'active 5-8', 'fallback 8-10', 'active 10-14']],
      [3, ['pending 6-8', 'active 8-10', 'pending 10-14']],
    ]);
    expect(timeline.rows[0]?.deletedSeq).toBe(12);
  });

  it('when older activations are cut off, the first shown one tells what was active before it', () => {
    const timeline = planTimeline([plan(7, 'fallback', 20), plan(8, 'active', 22)], [activation(25, 8, 7)], 30);
    expect(timeline.rows.map((row) => row.segments.map((x) => x.status))).toEqual([['active', 'fallback'], ['pending', 'active']]);
  });

  it('with no plan and no activation, the axis is just the last event', () => {
    expect(planTimeline([], [], 1)).toEqual({ fromSeq: 1, toSeq: 2, rows: [], activations: [] });
  });
});
