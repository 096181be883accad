import { randomBytes } from 'node:crypto';
import {
  canonicalJson,
  replay,
  serializeEvent,
  signAsSim,
  simKeyEntries,
  SIM_AUTHORITY,
  type Actor,
  type Command,
  type CommandRecord,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import type { EventRecord } from '../projection-writer';

/** Endpoint ids unique per test run (they are topic name parts too: lower-case, digits, dashes). */
export function uniqueEndpointId(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface ExampleEventLog {
  readonly endpointId: string;
  readonly commands: CommandRecord[];
  readonly events: FabricEvent[];
  readonly state: EndpointState;
  /** The events as records of an events topic; offsets step by 2, as commit markers take offsets in a transactional topic. */
  readonly records: EventRecord[];
}

/**
 * A command log that goes through every kind of outcome: registration,
 * proposals, enactor activations and confirmations, a refused and an accepted
 * delete, a duplicate, a malformed record, an operator rollback, and the
 * rejections that follow it. Commands are signed with simulation keys
 * (libs/domain sim-identities), registered with the endpoint: a log for
 * SIM_AUTHORITY. Decided by the real domain (replay). Used by the projection
 * and audit tests; pure, so any test may use it.
 */
export function exampleEventLog(endpointId: string): ExampleEventLog {
  let n = 0;
  const command = (type: string, actor: Actor, payload: object, commandId = `c${++n}`) =>
    canonicalJson(signAsSim({ commandId, endpointId, actor, type, payload } as Command));
  const operator: Actor = { role: 'operator', id: 'op-1' };
  const planner: Actor = { role: 'planner', id: 'planner-1' };
  const janitor: Actor = { role: 'janitor', id: 'janitor-1' };
  const enactor = (id: string): Actor => ({ role: 'enactor', id });
  // az-z is a known actor with a key, but not an enactor of the endpoint: NOT_AUTHORIZED, not NOT_AUTHENTICATED.
  const keys = simKeyEntries([planner, janitor, ...['az-a', 'az-b', 'az-c', 'az-z'].map(enactor)]);
  const plan = (generation: number) => ({
    generation,
    records: [
      { address: `10.0.${generation}.1`, weight: 10 },
      { address: `10.0.${generation}.2`, weight: 10 },
    ],
    ttl: 60,
  });
  const values: string[] = [
    command('RegisterEndpoint', operator, { enactors: ['az-a', 'az-b', 'az-c'], quorum: 2, minValidPlans: 1, maxCapacityDropPercent: 50, keys }),
    command('ProposePlan', planner, plan(1)),
    command('ProposePlan', planner, plan(2)),
    command('ApplyPlan', enactor('az-a'), { generation: 1 }),
    command('ConfirmApplied', enactor('az-a'), { generation: 1 }),
    command('ConfirmApplied', enactor('az-b'), { generation: 1 }),
    command('ApplyPlan', enactor('az-b'), { generation: 2 }),
    command('ConfirmApplied', enactor('az-a'), { generation: 2 }),
    command('DeletePlan', janitor, { generation: 1 }), // QUORUM_NOT_REACHED: one of two
    command('ConfirmApplied', enactor('az-b'), { generation: 2 }),
    command('DeletePlan', janitor, { generation: 1 }, 'delete-1'),
    command('DeletePlan', janitor, { generation: 1 }, 'delete-1'), // duplicate
    'not json',
    command('ProposePlan', planner, plan(3)),
    command('DeletePlan', janitor, { generation: 2 }), // DELETE_ACTIVE_PLAN
    command('ApplyPlan', enactor('az-c'), { generation: 3 }),
    command('ConfirmApplied', enactor('az-c'), { generation: 3 }),
    command('OperatorActivate', operator, { generation: 2, reason: 'plan 3 is bad' }),
    command('ApplyPlan', enactor('az-a'), { generation: 3 }), // STALE_GENERATION: proposed before the override
    command('ConfirmApplied', enactor('az-z'), { generation: 2 }), // NOT_AUTHORIZED
    command('ConfirmApplied', enactor('az-a'), { generation: 2 }),
    command('ProposePlan', planner, plan(4)),
  ];
  const commands = values.map((value, offset) => ({ offset, value }));
  const { events, state } = replay(endpointId, commands, SIM_AUTHORITY);
  const records = events.map((event, index) => ({ offset: index * 2, value: serializeEvent(event) }));
  return { endpointId, commands, events, state, records };
}
