import { describe, expect, it } from 'vitest';
import { SIM_AUTHORITY, signAsSim } from './sim-identities';
import { canonicalJson } from './canonical-json';
import type { Command } from './commands';
import { outcomeOf, type FabricEvent } from './events';
import { replay } from './replay';
import { initialState, validGenerations } from './state';
import {
  ENDPOINT,
  applyPlan,
  enactor,
  janitor,
  planner,
  registerKey,
  confirmApplied,
  deletePlan,
  operatorActivate,
  proposePlan,
  raw,
  registerEndpoint,
  step,
  weights,
  type WhenItem,
} from './testing/decider';

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Planner, three racing enactors, a janitor and an operator, with redeliveries and junk. */
function racingActors(seed: number, length: number): WhenItem[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let proposed = 0;
  let lastApplied = 0; // the generation the actors last tried to make live: what they confirm, and what the janitor cleans below
  // Mostly recent plans, sometimes long-gone or never-proposed ones.
  const generation = () => (next() < 0.8 ? Math.max(1, proposed - Math.floor(next() * 4)) : 1 + Math.floor(next() * (proposed + 3)));
  const items: WhenItem[] = [
    ...[planner, janitor, enactor('e1'), enactor('e2'), enactor('e3')].map((actor) => registerKey(actor)),
    registerEndpoint({ quorum: 2, minValidPlans: 2, maxCapacityDropPercent: 40 }),
  ];
  const sent: Command[] = [];
  for (let i = 0; i < length; i++) {
    const roll = next();
    let item: WhenItem;
    if (roll < 0.15) {
      const records = weights(...Array.from({ length: 1 + Math.floor(next() * 3) }, () => 20 + Math.floor(next() * 30)));
      item = proposePlan((proposed += 1), { records });
    } else if (roll < 0.35) item = applyPlan((lastApplied = generation()), pick(['e1', 'e2', 'e3']));
    else if (roll < 0.6) item = confirmApplied(next() < 0.7 ? lastApplied : generation(), pick(['e1', 'e2', 'e3']));
    else if (roll < 0.78) item = deletePlan(next() < 0.7 ? Math.max(1, lastApplied - 1 - Math.floor(next() * 3)) : generation());
    else if (roll < 0.82) item = operatorActivate((lastApplied = generation()), 'game day');
    else if (roll < 0.94 && sent.length > 0) item = pick(sent); // redelivery
    else item = raw(pick(['', '{', 'null', '{"commandId":"x"}']));
    if ('commandId' in item) sent.push(item);
    items.push(item);
  }
  return items;
}

describe('racing actors, every step checked (seeded)', () => {
  it.each([1, 2, 3, 42, 2024])('seed %i: 400 records, no invariant broken, every event schema-valid, replay identical', (seed) => {
    const items = racingActors(seed, 400);
    let state = initialState(ENDPOINT);
    const events: FabricEvent[] = [];
    for (const item of items) {
      const result = step(state, item); // checkStep, schema and "a rejection changes nothing" after every decision
      events.push(result.event);
      state = result.after;
    }
    const outcomes = new Set(events.map(outcomeOf));
    expect(outcomes).toEqual(new Set(['accepted', 'rejected', 'duplicate']));
    expect(events.filter((event) => event.type === 'PlanDeleted').length).toBeGreaterThan(0);
    if (state.active !== null) expect(validGenerations(state)).toContain(state.active.generation);

    const records = items.map((item, offset) => ({ offset, value: 'raw' in item ? item.raw : JSON.stringify(signAsSim(item)) }));
    const replayed = replay(ENDPOINT, records, SIM_AUTHORITY).events.map((event) => canonicalJson(event));
    expect(replayed).toEqual(events.map((event) => canonicalJson(event)));
  }, 30_000); // ~2 s alone (every record signed and verified), beyond the 5 s default on a loaded machine
});
