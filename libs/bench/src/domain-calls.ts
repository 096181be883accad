import { replay, sequence, SIM_AUTHORITY, type Authority, type CommandRecord, type EndpointState, type FabricEvent } from '@plan-fabric/domain';

/**
 * The authority `decide` is given in the bench: the simulation trust root, whose
 * reproducible keys sign every workload command (commands.ts). Verifying each
 * signature is part of what the bench measures.
 */
export const BENCH_AUTHORITY: Authority = SIM_AUTHORITY;

/** domain.sequence (decide, then evolve) with the bench's authority. */
export function benchSequence(state: EndpointState, record: CommandRecord): { event: FabricEvent; state: EndpointState } {
  return sequence(state, record, BENCH_AUTHORITY);
}

/** Takes every signature as valid: for fixtures whose commands carry placeholder signatures (fixtureCommand). */
export const FIXTURE_AUTHORITY: Authority = { trustRoots: SIM_AUTHORITY.trustRoots, verifier: { verify: () => true } };

/** domain.sequence with FIXTURE_AUTHORITY: builds a valid event chain from fixtureCommand records. */
export function fixtureSequence(state: EndpointState, record: CommandRecord): { event: FabricEvent; state: EndpointState } {
  return sequence(state, record, FIXTURE_AUTHORITY);
}

/** domain.replay (decide + evolve + invariants over a recorded command log) with the bench's authority. */
export function benchReplay(endpointId: string, records: Iterable<CommandRecord>): { events: FabricEvent[]; state: EndpointState } {
  return replay(endpointId, records, BENCH_AUTHORITY);
}
