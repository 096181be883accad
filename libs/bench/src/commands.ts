import { canonicalJson, signAsSim, simKey, simKeyEntries, type Actor, type Command, type CommandPayloads, type CommandType } from '@plan-fabric/domain';

/** What a bench command says, before it becomes a record. */
export interface CommandSpec<T extends CommandType = CommandType> {
  readonly endpointId: string;
  readonly commandId: string;
  readonly actor: Actor;
  readonly type: T;
  readonly payload: CommandPayloads[T];
}

/** A command as the bench sends it: the record value a producer writes to the command topic. */
export interface BenchCommand {
  readonly endpointId: string;
  readonly commandId: string;
  readonly type: CommandType;
  /** The record's value (UTF-8 JSON). */
  readonly value: string;
}

/**
 * THE one place where the bench turns a command into a record. Every bench
 * (Kafka pipes, the sequencer, Postgres-only, latency, the long logs of the
 * rebuild, the audit replay) gets its records from here, signed with the
 * actor's simulation key (the bench's sequencers trust SIM_ROOT).
 */
export function buildCommand<T extends CommandType>(spec: CommandSpec<T>): BenchCommand {
  const command = { commandId: spec.commandId, endpointId: spec.endpointId, actor: spec.actor, type: spec.type, payload: spec.payload } as Command;
  return { endpointId: spec.endpointId, commandId: spec.commandId, type: spec.type, value: canonicalJson(signAsSim(command)) };
}

export const BENCH_ENACTORS = ['enactor-az1', 'enactor-az2', 'enactor-az3'] as const;
const OPERATOR: Actor = { role: 'operator', id: 'bench-operator' };
const PLANNER: Actor = { role: 'planner', id: 'bench-planner' };
const JANITOR: Actor = { role: 'janitor', id: 'bench-janitor' };
const enactor = (index: number): Actor => ({ role: 'enactor', id: BENCH_ENACTORS[index % BENCH_ENACTORS.length] as string });

/** Records per plan in the workload's ProposePlan commands. */
export const PLAN_RECORDS = 3;

/**
 * Every this many generations the plan is made live by an operator
 * (OperatorActivate) instead of an enactor's ApplyPlan, as part of a real mix.
 * 0: never (the bench measures that case too: before the state's `confirmed`
 * map became a plain map, a step without operator activations cost
 * O(confirmations so far); see docs/benchmarks.md).
 */
export const OPERATOR_EVERY_GENERATIONS = 100;

export interface WorkloadOptions {
  readonly operatorEvery?: number;
}

/**
 * The spec of the `index`-th command (0-based) of one endpoint's steady
 * workload: register once, then for each generation g: propose g, an enactor
 * applies g, two enactors confirm g (the quorum), the janitor deletes g − 1.
 * Every command is accepted when decided in order, so state keeps moving
 * (plans, activations, confirmations, deletes) and stays bounded apart from
 * the log of decided command ids. Every OPERATOR_EVERY_GENERATIONS-th
 * generation an operator activates the plan instead of an enactor.
 */
export function workloadSpec(endpointId: string, index: number, options: WorkloadOptions = {}): CommandSpec {
  const operatorEvery = options.operatorEvery ?? OPERATOR_EVERY_GENERATIONS;
  const commandId = `${endpointId}-c${index}`;
  if (index === 0) {
    return {
      endpointId,
      commandId,
      actor: OPERATOR,
      type: 'RegisterEndpoint',
      payload: {
        enactors: [...BENCH_ENACTORS],
        quorum: 2,
        minValidPlans: 1,
        maxCapacityDropPercent: 50,
        keys: simKeyEntries([PLANNER, JANITOR, ...BENCH_ENACTORS.map((_, index) => enactor(index))]),
      },
    };
  }
  // Generation 1 has four commands (nothing to delete yet), later generations five.
  const afterFirst = index - 5;
  const generation = afterFirst < 0 ? 1 : 2 + Math.floor(afterFirst / 5);
  const step = afterFirst < 0 ? index - 1 : afterFirst % 5;
  switch (step) {
    case 0:
      return {
        endpointId,
        commandId,
        actor: PLANNER,
        type: 'ProposePlan',
        payload: {
          generation,
          ttl: 60,
          records: Array.from({ length: PLAN_RECORDS }, (_, k) => ({
            address: `10.${(generation >> 8) & 255}.${generation & 255}.${k + 1}`,
            weight: 10,
          })),
        },
      };
    case 1:
      if (operatorEvery > 0 && generation % operatorEvery === 0) {
        return { endpointId, commandId, actor: OPERATOR, type: 'OperatorActivate', payload: { generation, reason: 'bench: periodic operator activation' } };
      }
      return { endpointId, commandId, actor: enactor(generation), type: 'ApplyPlan', payload: { generation } };
    case 2:
      return { endpointId, commandId, actor: enactor(0), type: 'ConfirmApplied', payload: { generation } };
    case 3:
      return { endpointId, commandId, actor: enactor(1), type: 'ConfirmApplied', payload: { generation } };
    default:
      return { endpointId, commandId, actor: JANITOR, type: 'DeletePlan', payload: { generation: generation - 1 } };
  }
}

/** The `index`-th command record of an endpoint's workload. */
export function workloadCommand(endpointId: string, index: number, options: WorkloadOptions = {}): BenchCommand {
  return buildCommand(workloadSpec(endpointId, index, options));
}

/**
 * The `index`-th workload command with a placeholder signature (64 zero bytes)
 * by its actor's key: only for the rebuild's long event logs, decided with
 * FIXTURE_AUTHORITY (domain-calls.ts). The rebuild folds events and never sees a
 * signature, and signing and verifying 10^6 commands would take minutes.
 */
export function fixtureCommand(endpointId: string, index: number): BenchCommand {
  const spec = workloadSpec(endpointId, index, {});
  const command = { ...spec, signature: { key: simKey(spec.actor).publicKey, sig: 'A'.repeat(86) } } as Command;
  return { endpointId, commandId: spec.commandId, type: spec.type, value: canonicalJson(command) };
}

/** Commands `from` .. `from + count − 1` of an endpoint's workload. */
export function workloadCommands(endpointId: string, count: number, from = 0, options: WorkloadOptions = {}): BenchCommand[] {
  return Array.from({ length: count }, (_, i) => workloadCommand(endpointId, from + i, options));
}
