/**
 * The fabric as a model for exhaustive exploration. Every command step runs
 * the REAL `sequence` (decide + evolve) and checkStep; every backend write goes
 * through the real fence (fenceAccepts) and is checked against invariant 8.
 *
 * Actors and their steps (each one atomic; every interleaving is explored):
 * - planner: proposes the next generation, up to `generations`;
 * - each enactor, with claim, write and confirm as separate steps:
 *   claim — ApplyPlan of the newest proposed plan, if above its last claim
 *   (no other check: the sequencer judges); if activated, it holds that
 *   decision to write, however stale it becomes before the write;
 *   pick up — when idle, takes the decided active plan to write;
 *   write — writes the held decision with its activation as fencing token;
 *   confirm — ConfirmApplied after an accepted write;
 * - janitor: asks to delete any plan older than the active one, quorum or
 *   not (with no operator the active generation only rises, so this covers
 *   every stale view too); with an operator, any plan at all — the sequencer
 *   must refuse what is unsafe;
 * - operator (optional, at most `operatorActivations` times): OperatorActivate
 *   of any plan.
 *
 * The key leaves out what no later decision depends on — event seq, command
 * offsets, the event hash chain, and command ids (every command carries a
 * fresh id, so the duplicate check never fires) — and keeps, of each plan's proposal seq, only whether it
 * precedes the last operator activation. Of an enactor's last claim and last
 * write it keeps only what a later step can tell apart: whether it claimed
 * the newest plan (proposals only grow) and whether it wrote the active
 * activation (activations only grow). Enactors are interchangeable (same
 * code, and quorum only counts them), so the key sorts them: states that
 * differ by a renaming of enactors are explored once.
 */
import {
  canonicalJson,
  checkStep,
  fenceAccepts,
  initialState,
  sequence,
  simKey,
  type Actor,
  type CommandPayloads,
  type CommandType,
  type EndpointState,
  type FabricEvent,
  type PlanRecord,
} from '@plan-fabric/domain';
import { commandText } from '../command-text';
import { SIM_MEMO_AUTHORITY } from '../memo-verifier';
import { backendViolation, type ServedRecordSet } from '../sim-backend';
import type { Model, Transition } from './explorer';

export interface FabricBounds {
  readonly generations: number;
  readonly enactors: number;
  readonly quorum: number;
  readonly operatorActivations: number;
}

export const FABRIC_BOUNDS_DEFAULT: FabricBounds = { generations: 5, enactors: 3, quorum: 2, operatorActivations: 0 };

type Task =
  | null
  | { readonly kind: 'write'; readonly activation: number; readonly generation: number }
  | { readonly kind: 'confirm'; readonly activation: number; readonly generation: number };

interface EnactorLocal {
  /** Highest generation it claimed. */
  readonly claimed: number;
  /** Highest activation whose write the backend answered. */
  readonly written: number;
  readonly task: Task;
}

export interface FabricModelState {
  readonly endpoint: EndpointState;
  readonly enactors: readonly EnactorLocal[];
  readonly backend: ServedRecordSet | null;
  readonly operatorActivations: number;
}

const ENDPOINT = 'explore-endpoint';
const planner: Actor = { role: 'planner', id: 'planner' };
const janitor: Actor = { role: 'janitor', id: 'janitor' };
const operator: Actor = { role: 'operator', id: 'operator' };

/** Every plan of the model has the same capacity: the capacity guard is the simulator's to exercise. */
function recordsOf(generation: number): PlanRecord[] {
  return [
    { address: `10.0.${generation}.1`, weight: 1 },
    { address: `10.0.${generation}.2`, weight: 1 },
  ];
}

export function fabricModel(bounds: FabricBounds = FABRIC_BOUNDS_DEFAULT): Model<FabricModelState> {
  const enactorIds = Array.from({ length: bounds.enactors }, (_, i) => `e${i + 1}`);

  /** One command through the real sequencer step, checked. */
  const decideStep = <T extends CommandType>(
    state: EndpointState,
    actor: Actor,
    type: T,
    payload: CommandPayloads[T],
  ): { event: FabricEvent; after: EndpointState; violation: string | null } => {
    // Signed with the actor's simulation key (cached: signing is deterministic), verified by the real decide (memoized).
    const value = commandText(`c${state.nextCommandOffset}`, ENDPOINT, actor, type, payload);
    const { event, state: after } = sequence(state, { offset: state.nextCommandOffset, value }, SIM_MEMO_AUTHORITY);
    const broken = checkStep({ before: state, event, after });
    return { event, after, violation: broken.length === 0 ? null : broken.map((v) => `${v.invariant}: ${v.message}`).join('; ') };
  };

  const outcome = (event: FabricEvent): string => {
    switch (event.type) {
      case 'CommandRejected':
        return `refused ${event.data.reason}`;
      case 'PlanActivated':
        return `activated (activation ${event.data.activation})`;
      case 'PlanDeleted':
        return 'deleted';
      case 'PlanConfirmed':
        return 'confirmed';
      case 'PlanProposed':
        return 'proposed';
      default:
        return event.type;
    }
  };

  return {
    name: 'fabric',
    description:
      `1 planner × ${bounds.generations} generations, ${bounds.enactors} enactors (claim / write / confirm as separate steps, quorum ${bounds.quorum}), ` +
      `1 janitor that asks to delete any older plan at any moment` +
      (bounds.operatorActivations > 0 ? `, 1 operator (≤ ${bounds.operatorActivations} OperatorActivate)` : '') +
      '; the real decide for every command, the real fence for every write',

    initial(): FabricModelState {
      // The operator (the simulation trust root) registers every actor's key through the log first.
      let endpoint = initialState(ENDPOINT);
      for (const actor of [planner, janitor, ...enactorIds.map((id): Actor => ({ role: 'enactor', id }))]) {
        const step = decideStep(endpoint, operator, 'RegisterActorKey', { actor, publicKey: simKey(actor).publicKey });
        if (step.event.type !== 'ActorKeyRegistered') throw new Error(`fabric model: key registration refused: ${canonicalJson(step.event.data)}`);
        endpoint = step.after;
      }
      const registered = decideStep(endpoint, operator, 'RegisterEndpoint', {
        enactors: enactorIds,
        quorum: bounds.quorum,
        minValidPlans: 1,
        maxCapacityDropPercent: 100,
      });
      if (registered.event.type !== 'EndpointRegistered') throw new Error(`fabric model: registration refused: ${canonicalJson(registered.event.data)}`);
      return {
        endpoint: registered.after,
        enactors: enactorIds.map(() => ({ claimed: 0, written: 0, task: null })),
        backend: null,
        operatorActivations: 0,
      };
    },

    key(state: FabricModelState): string {
      const endpoint = state.endpoint;
      const plans: string[] = [];
      for (let generation = 1; generation <= endpoint.highestProposed; generation++) {
        const plan = endpoint.plans.get(generation);
        plans.push(plan === undefined ? '?' : `${plan.deleted ? 'x' : 'o'}${plan.proposedSeq < endpoint.operatorFloorSeq ? '<' : ''}`);
      }
      const enactors = state.enactors
        .map((e, i) => {
          const task = e.task === null ? '' : `${e.task.kind[0]}${e.task.activation}/${e.task.generation}`;
          // Only whether it claimed the newest plan, and whether it wrote the active activation, matter from here on.
          const claimedNewest = e.claimed >= endpoint.highestProposed ? 'c' : '';
          const wroteActive = e.written >= (endpoint.active?.activation ?? 0) ? 'w' : '';
          return `${endpoint.confirmed.get(enactorIds[i]!) ?? '-'}:${claimedNewest}${wroteActive}.${task}`;
        })
        .sort()
        .join(',');
      const active = endpoint.active === null ? '-' : `${endpoint.active.generation}/${endpoint.active.activation}`;
      const backend = state.backend === null ? '-' : `${state.backend.generation}/${state.backend.activation}`;
      return `${plans.join('')}|${active}|${enactors}|${backend}|${state.operatorActivations}`;
    },

    transitions(state: FabricModelState): Transition<FabricModelState>[] {
      const steps: Transition<FabricModelState>[] = [];
      const endpoint = state.endpoint;
      const withEndpoint = (after: EndpointState, changes: Partial<FabricModelState> = {}): FabricModelState => ({ ...state, ...changes, endpoint: after });

      if (endpoint.highestProposed < bounds.generations) {
        const generation = endpoint.highestProposed + 1;
        const step = decideStep(endpoint, planner, 'ProposePlan', { generation, records: recordsOf(generation), ttl: 60 });
        steps.push({ label: `planner proposes plan ${generation} → ${outcome(step.event)}`, next: withEndpoint(step.after), violation: step.violation });
      }

      state.enactors.forEach((local, i) => {
        const id = enactorIds[i]!;
        const actor: Actor = { role: 'enactor', id };
        const withLocal = (after: EndpointState, next: EnactorLocal, changes: Partial<FabricModelState> = {}) =>
          withEndpoint(after, { ...changes, enactors: state.enactors.map((other, j) => (j === i ? next : other)) });
        const task = local.task;
        if (task === null) {
          const generation = endpoint.highestProposed;
          if (generation > local.claimed) {
            const step = decideStep(endpoint, actor, 'ApplyPlan', { generation });
            const activated = step.event.type === 'PlanActivated' ? step.event.data : null;
            steps.push({
              label: `${id} claims plan ${generation} → ${outcome(step.event)}`,
              next: withLocal(step.after, {
                ...local,
                claimed: generation,
                task: activated === null ? null : { kind: 'write', activation: activated.activation, generation },
              }),
              violation: step.violation,
            });
          }
          const active = endpoint.active;
          if (active !== null && active.activation > local.written) {
            steps.push({
              label: `${id} picks up the active plan ${active.generation} (activation ${active.activation}) to write`,
              next: withLocal(endpoint, { ...local, task: { kind: 'write', activation: active.activation, generation: active.generation } }),
              violation: null,
            });
          }
        } else if (task.kind === 'write') {
          const held = state.backend;
          const accepted = fenceAccepts(held, task);
          const backend: ServedRecordSet | null = accepted
            ? { activation: task.activation, generation: task.generation, records: recordsOf(task.generation), writer: id }
            : held;
          steps.push({
            label: `${id} writes plan ${task.generation} with activation ${task.activation} → ${accepted ? 'accepted' : `refused by the fence (held ${held?.activation})`}`,
            next: withLocal(endpoint, { ...local, written: Math.max(local.written, task.activation), task: accepted ? { ...task, kind: 'confirm' } : null }, { backend }),
            violation: backendViolation(held, backend),
          });
        } else {
          const step = decideStep(endpoint, actor, 'ConfirmApplied', { generation: task.generation });
          steps.push({ label: `${id} confirms plan ${task.generation} → ${outcome(step.event)}`, next: withLocal(step.after, { ...local, task: null }), violation: step.violation });
        }
      });

      const deletable = bounds.operatorActivations > 0 ? endpoint.highestProposed : (endpoint.active?.generation ?? 1) - 1;
      for (let generation = 1; generation <= deletable; generation++) {
        if (endpoint.plans.get(generation)?.deleted !== false) continue;
        const step = decideStep(endpoint, janitor, 'DeletePlan', { generation });
        steps.push({ label: `janitor deletes plan ${generation} → ${outcome(step.event)}`, next: withEndpoint(step.after), violation: step.violation });
      }

      if (state.operatorActivations < bounds.operatorActivations) {
        for (let generation = 1; generation <= endpoint.highestProposed; generation++) {
          const plan = endpoint.plans.get(generation);
          if (plan === undefined || plan.deleted || endpoint.active?.generation === generation) continue;
          const step = decideStep(endpoint, operator, 'OperatorActivate', { generation, reason: 'rollback' });
          steps.push({
            label: `operator activates plan ${generation} → ${outcome(step.event)}`,
            next: withEndpoint(step.after, { operatorActivations: state.operatorActivations + 1 }),
            violation: step.violation,
          });
        }
      }
      return steps;
    },

    check(state: FabricModelState): string | null {
      const { endpoint, backend } = state;
      if (backend !== null && backend.records.length === 0) return 'I8: the backend serves an empty record set';
      // The incident's coupling: had the backend served the records of its plan from the plan store (as the
      // incident's DNS automation did), deleting that plan would have emptied the record set.
      if (backend !== null && endpoint.plans.get(backend.generation)?.deleted === true) {
        return `I8 (incident): the backend serves plan ${backend.generation}, which the janitor deleted`;
      }
      return null;
    },
  };
}
