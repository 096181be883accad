/**
 * The naive control plane of the incident as a small model (the behaviour of
 * libs/actors/src/naive): no sequencer, no fence. Each actor's step is atomic
 * against the shared store; every interleaving is explored.
 *
 * - planner: proposes the next generation, up to `generations`;
 * - each enactor, two steps: pick up — the newest plan, if it is newer than
 *   the generation the backend serves (freshness checked once, here); write —
 *   later, unconditionally, the plan it picked. The write needs the live plan
 *   to diff against: if the janitor deleted it, the apply fails;
 * - janitor: age-based clean-up — deletes every plan older than (newest
 *   applied generation − keep), and with a deleted plan goes its record set
 *   if the backend is serving it.
 *
 * The outage is a state where the backend serves an empty record set.
 */
import type { Model, Transition } from './explorer';

export interface NaiveBounds {
  readonly generations: number;
  readonly enactors: number;
  /** Generations the clean-up keeps below the newest applied one. */
  readonly keep: number;
}

export const NAIVE_BOUNDS_DEFAULT: NaiveBounds = { generations: 5, enactors: 3, keep: 1 };

interface NaiveEnactor {
  readonly lastPicked: number;
  /** Picked and not yet written. */
  readonly picked: number | null;
}

export interface NaiveModelState {
  readonly proposed: number;
  /** Bit g set: plan g was deleted. */
  readonly deleted: number;
  readonly backend: { readonly generation: number; readonly empty: boolean } | null;
  /** The newest generation any enactor wrote: the clean-up's reference point. */
  readonly newestApplied: number;
  readonly enactors: readonly NaiveEnactor[];
}

const isDeleted = (state: NaiveModelState, generation: number) => (state.deleted & (1 << generation)) !== 0;

export function naiveModel(bounds: NaiveBounds = NAIVE_BOUNDS_DEFAULT): Model<NaiveModelState> {
  if (bounds.generations > 30) throw new RangeError('naive model: at most 30 generations');
  return {
    name: 'naive',
    description:
      `1 planner × ${bounds.generations} generations, ${bounds.enactors} enactors (freshness checked at pick-up, unconditional write), ` +
      `1 janitor (age-based clean-up, keep ${bounds.keep})`,

    initial: () => ({
      proposed: 0,
      deleted: 0,
      backend: null,
      newestApplied: 0,
      enactors: Array.from({ length: bounds.enactors }, () => ({ lastPicked: 0, picked: null })),
    }),

    key: (state) =>
      `${state.proposed}|${state.deleted}|${state.backend === null ? '-' : `${state.backend.generation}${state.backend.empty ? 'E' : ''}`}|` +
      `${state.newestApplied}|${state.enactors.map((e) => `${e.lastPicked}.${e.picked ?? ''}`).join(',')}`,

    transitions(state) {
      const steps: Transition<NaiveModelState>[] = [];
      if (state.proposed < bounds.generations) {
        steps.push({ label: `planner proposes plan ${state.proposed + 1}`, next: { ...state, proposed: state.proposed + 1 }, violation: null });
      }
      state.enactors.forEach((enactor, i) => {
        const id = `e${i + 1}`;
        const withEnactor = (next: NaiveEnactor, changes: Partial<NaiveModelState> = {}): NaiveModelState => ({
          ...state,
          ...changes,
          enactors: state.enactors.map((other, j) => (j === i ? next : other)),
        });
        if (enactor.picked === null) {
          let newest = state.proposed;
          while (newest > 0 && isDeleted(state, newest)) newest--;
          const served = state.backend?.generation ?? 0;
          if (newest > enactor.lastPicked && newest > served) {
            steps.push({
              label: `${id} picks up plan ${newest}: newer than the served ${served || 'nothing'} (checked now, never again)`,
              next: withEnactor({ lastPicked: newest, picked: newest }),
              violation: null,
            });
          }
          return;
        }
        const picked = enactor.picked;
        const live = state.backend;
        if (live !== null && isDeleted(state, live.generation)) {
          steps.push({
            label: `${id} cannot apply plan ${picked}: the live plan ${live.generation} no longer exists to diff against`,
            next: withEnactor({ lastPicked: picked - 1, picked: null }),
            violation: null,
          });
          return;
        }
        steps.push({
          label: `${id} writes plan ${picked} unconditionally (the backend served ${live?.generation ?? 'nothing'})`,
          next: withEnactor({ ...enactor, picked: null }, { backend: { generation: picked, empty: false }, newestApplied: Math.max(state.newestApplied, picked) }),
          violation: null,
        });
      });
      if (state.newestApplied > 0) {
        const cutoff = state.newestApplied - bounds.keep;
        let deleted = state.deleted;
        const gone: number[] = [];
        for (let generation = 1; generation < cutoff && generation <= state.proposed; generation++) {
          if (!isDeleted(state, generation)) gone.push(generation);
          deleted |= 1 << generation;
        }
        const backend = state.backend;
        const clears = backend !== null && !backend.empty && backend.generation < cutoff;
        if (gone.length > 0 || clears) {
          steps.push({
            label:
              `janitor cleans up below generation ${cutoff} (newest applied ${state.newestApplied} − keep ${bounds.keep}): ` +
              `deletes plans ${gone.join(', ') || 'none'}${clears ? `, and with plan ${backend.generation} its live record set` : ''}`,
            next: { ...state, deleted, backend: clears ? { ...backend, empty: true } : backend },
            violation: null,
          });
        }
      }
      return steps;
    },

    check: (state) =>
      state.backend?.empty === true ? `I8: the endpoint's record set is EMPTY (plan ${state.backend.generation} was live and got deleted): the name resolves to nothing` : null,
  };
}
