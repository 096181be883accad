import type { PlanRecord } from '@plan-fabric/domain';

/** Addresses per plan the demo planner proposes; every record weighs 1, so capacity never drops. */
export const DEMO_RECORDS_PER_PLAN = 3;

/**
 * The record set the planner proposes for a generation: chosen
 * deterministically from TEST-NET-1 (192.0.2.0/24), so a run is repeatable and
 * each generation differs from the one before.
 */
export function recordsForGeneration(generation: number, count = DEMO_RECORDS_PER_PLAN): PlanRecord[] {
  const records: PlanRecord[] = [];
  for (let i = 0; i < count; i++) {
    const host = ((generation * count + i) % 250) + 1;
    records.push({ address: `192.0.2.${host}`, weight: 1 });
  }
  return records;
}
