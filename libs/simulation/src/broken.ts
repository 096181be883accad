/**
 * Deliberately broken variants of the fabric, to prove the checkers can fail:
 * the simulator must find each, and shrink it to a short trace.
 */
import { evolve, SIM_AUTHORITY, sequence, type Authority, type FabricEvent } from '@plan-fabric/domain';
import type { Fence } from './sim-backend';
import type { Sequencer, SimOptions } from './simulator';

/** The naive plane's backend: every write lands, whatever it holds (no fencing token). */
export const unfencedBackend: Fence = () => true;

/** A sequencer that lets the janitor delete before a quorum confirmed the active plan: the real decide, with QUORUM_NOT_REACHED overruled. */
export const sequencerWithoutQuorumCheck: Sequencer = (state, record, authority) => {
  const decided = sequence(state, record, authority);
  const event = decided.event;
  if (event.type !== 'CommandRejected' || event.data.reason !== 'QUORUM_NOT_REACHED' || record.value === null) return decided;
  const { payload } = JSON.parse(record.value) as { payload: { generation: number } };
  // The rejection's envelope (seq, offsets, chain) with the delete it refused put in its place.
  const deleted = { ...event, type: 'PlanDeleted', data: { generation: payload.generation } } as FabricEvent;
  return { event: deleted, state: evolve(state, deleted) };
};

/** The simulation's trust root, with a verifier that takes any signature: only the signature check is broken. */
export const authorityWithoutSignatureCheck: Authority = { trustRoots: SIM_AUTHORITY.trustRoots, verifier: { verify: () => true } };

export const BROKEN_VARIANTS = {
  fence: { description: 'the backend writes unconditionally (no fencing token)', options: { fence: unfencedBackend } },
  quorum: { description: 'the sequencer lets deletes through without a quorum', options: { sequence: sequencerWithoutQuorumCheck } },
  signatures: { description: "the sequencer's verifier takes any signature (a forged copy of a signature passes)", options: { authority: authorityWithoutSignatureCheck } },
} as const satisfies Record<string, { description: string; options: Partial<SimOptions> }>;

export type BrokenVariant = keyof typeof BROKEN_VARIANTS;
