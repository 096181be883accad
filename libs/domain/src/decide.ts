import { canonicalAddress, isIpAddress } from './addresses';
import { COMMAND_ROLE, parseCommand, type Actor, type ActorKeyEntry, type Command, type CommandOf } from './commands';
import type { EventData, EventType, FabricEvent } from './events';
import type { RejectionReason } from './reasons';
import { authenticationProblem, isPublicKey, type Authority } from './signatures';
import { evolve, validGenerations, confirmationsOfActive, type EndpointState, type Plan } from './state';

/** One record of an endpoint's command log: its offset and its value as text (null if it had none). */
export interface CommandRecord {
  readonly offset: number;
  readonly value: string | null;
}

/** What a command asks for, or why it must be refused. */
type Verdict = { readonly [T in EventType]: { readonly type: T; readonly data: EventData[T] } }[EventType];

class Rejection {
  constructor(
    readonly reason: RejectionReason,
    readonly detail: string,
  ) {}
}

/**
 * Decides one command record against the endpoint's state. Always exactly one
 * event: the command's state event, CommandRejected or CommandDuplicated.
 * Pure: the same state, record and authority always give the same event.
 */
export function decide(state: EndpointState, record: CommandRecord, authority: Authority): FabricEvent {
  const envelope = { seq: state.nextSeq, endpointId: state.endpointId, commandOffset: record.offset, prevHash: state.lastEventHash };
  const parsed = parseCommand(record.value, state.endpointId);
  if (!parsed.ok) {
    return {
      ...envelope,
      commandId: parsed.commandId,
      type: 'CommandRejected',
      data: { reason: 'MALFORMED', detail: parsed.detail, commandType: parsed.type, actor: parsed.actor },
    };
  }
  const command = parsed.command;
  const unauthenticated = authenticationProblem(state, command, authority);
  if (unauthenticated !== null) {
    return {
      ...envelope,
      commandId: command.commandId,
      type: 'CommandRejected',
      data: { reason: 'NOT_AUTHENTICATED', detail: unauthenticated, commandType: command.type, actor: command.actor },
    };
  }
  const firstOffset = state.decided.get(command.commandId);
  if (firstOffset !== undefined) {
    return { ...envelope, commandId: command.commandId, type: 'CommandDuplicated', data: { firstOffset } };
  }
  const verdict = judge(state, command, authority);
  if (verdict instanceof Rejection) {
    return {
      ...envelope,
      commandId: command.commandId,
      type: 'CommandRejected',
      data: { reason: verdict.reason, detail: verdict.detail, commandType: command.type, actor: command.actor },
    };
  }
  return { ...envelope, commandId: command.commandId, ...verdict } as FabricEvent;
}

/** decide, then evolve: the sequencer's step. */
export function sequence(state: EndpointState, record: CommandRecord, authority: Authority): { event: FabricEvent; state: EndpointState } {
  const event = decide(state, record, authority);
  return { event, state: evolve(state, event) };
}

/** Commands an endpoint takes before it is registered: its registration and the keys of its actors. */
const BEFORE_REGISTRATION: ReadonlySet<Command['type']> = new Set(['RegisterEndpoint', 'RegisterActorKey', 'RevokeActorKey']);

function judge(state: EndpointState, command: Command, authority: Authority): Verdict | Rejection {
  const config = state.config;
  if (!BEFORE_REGISTRATION.has(command.type) && config === null) {
    return new Rejection('UNKNOWN_ENDPOINT', `endpoint '${state.endpointId}' is not registered`);
  }
  const role = COMMAND_ROLE[command.type];
  if (command.actor.role !== role) {
    return new Rejection('NOT_AUTHORIZED', `${command.type} is for the ${role}, not the ${command.actor.role}`);
  }
  if (role === 'enactor' && !(config?.enactors ?? []).includes(command.actor.id)) {
    return new Rejection('NOT_AUTHORIZED', `enactor '${command.actor.id}' is not registered for endpoint '${state.endpointId}'`);
  }
  switch (command.type) {
    case 'RegisterEndpoint':
      return register(state, command, authority);
    case 'ProposePlan':
      return propose(state, command);
    case 'ApplyPlan':
      return apply(state, command);
    case 'ConfirmApplied':
      return confirm(state, command);
    case 'DeletePlan':
      return remove(state, command);
    case 'OperatorActivate':
      return operatorActivate(state, command);
    case 'RegisterActorKey':
      return registerKey(state, command, authority);
    case 'RevokeActorKey':
      return revokeKey(state, command, authority);
  }
}

// A signed command has a signature: authentication ran before judge.
const signer = (command: Command): string => command.signature?.key ?? '';

function registerKey(state: EndpointState, command: CommandOf<'RegisterActorKey'>, authority: Authority): Verdict | Rejection {
  const { actor, publicKey } = command.payload;
  const problem = newKeyProblem(state, publicKey, authority);
  if (problem !== null) return new Rejection('INVALID_KEY_CHANGE', problem);
  return { type: 'ActorKeyRegistered', data: { actor, publicKey, signedBy: signer(command) } };
}

function newKeyProblem(state: EndpointState, publicKey: string, authority: Authority): string | null {
  if (!isPublicKey(publicKey)) return `'${publicKey.slice(0, 64)}' is not an Ed25519 public key (32 bytes, base64url without padding, not of small order)`;
  if (state.keys.get(publicKey)?.revoked === true) return `key ${publicKey} was revoked; a revoked key is never registered again`;
  if (state.keys.has(publicKey)) return `key ${publicKey} is already registered`;
  if (authority.trustRoots.has(publicKey)) return `key ${publicKey} is a trust root`;
  return null;
}

function revokeKey(state: EndpointState, command: CommandOf<'RevokeActorKey'>, authority: Authority): Verdict | Rejection {
  const { publicKey } = command.payload;
  const key = state.keys.get(publicKey);
  const isRoot = key === undefined && authority.trustRoots.has(publicKey);
  if (key?.revoked === true) return new Rejection('INVALID_KEY_CHANGE', `key ${publicKey} is already revoked`);
  if (key === undefined && !isRoot) {
    return new Rejection('INVALID_KEY_CHANGE', `key ${publicKey.slice(0, 64)} is neither registered nor a trust root`);
  }
  const operatorKeysLeft =
    [...state.keys.entries()].filter(([other, { actor, revoked }]) => !revoked && actor?.role === 'operator' && other !== publicKey).length +
    [...authority.trustRoots].filter((root) => root !== publicKey && state.keys.get(root)?.revoked !== true).length;
  if (operatorKeysLeft === 0) {
    return new Rejection('INVALID_KEY_CHANGE', `revoking key ${publicKey} would leave no operator key for endpoint '${state.endpointId}'`);
  }
  return { type: 'ActorKeyRevoked', data: { publicKey, actor: key?.actor ?? null, signedBy: signer(command) } };
}

function register(state: EndpointState, command: CommandOf<'RegisterEndpoint'>, authority: Authority): Verdict | Rejection {
  if (state.config !== null) return new Rejection('ALREADY_REGISTERED', `endpoint '${state.endpointId}' is already registered`);
  const { enactors, quorum, minValidPlans, maxCapacityDropPercent, keys } = command.payload;
  const problem =
    enactors.length === 0
      ? 'no enactors'
      : new Set(enactors).size !== enactors.length
        ? 'repeated enactor ids'
        : !Number.isSafeInteger(quorum) || quorum < 1 || quorum > enactors.length
          ? `quorum ${quorum} is outside 1..${enactors.length}`
          : !Number.isSafeInteger(minValidPlans) || minValidPlans < 1
            ? `minValidPlans ${minValidPlans} is below 1 or not an integer`
            : !Number.isSafeInteger(maxCapacityDropPercent) || maxCapacityDropPercent < 0 || maxCapacityDropPercent > 100
              ? `maxCapacityDropPercent ${maxCapacityDropPercent} is outside 0..100 or not an integer`
              : keyProblem(state, keys ?? [], authority);
  if (problem !== null) return new Rejection('INVALID_REGISTRATION', problem);
  // JSON `-0` is a valid 0 but is written as 0: decide 0, so the state rebuilt from the written event is this state.
  const percent = maxCapacityDropPercent === 0 ? 0 : maxCapacityDropPercent;
  const withKeys = keys === undefined || keys.length === 0 ? {} : { keys, signedBy: signer(command) };
  return { type: 'EndpointRegistered', data: { enactors, quorum, minValidPlans, maxCapacityDropPercent: percent, ...withKeys } };
}

/** Why these keys cannot be registered (null when they can): RegisterActorKey's checks, and no key twice. */
function keyProblem(state: EndpointState, keys: readonly ActorKeyEntry[], authority: Authority): string | null {
  const seen = new Set<string>();
  for (const { publicKey } of keys) {
    const problem = seen.has(publicKey) ? `key ${publicKey} is listed twice` : newKeyProblem(state, publicKey, authority);
    if (problem !== null) return problem;
    seen.add(publicKey);
  }
  return null;
}

function propose(state: EndpointState, { payload }: CommandOf<'ProposePlan'>): Verdict | Rejection {
  const { generation, records, ttl } = payload;
  const addresses = new Set<string>();
  let problem: string | null = null;
  if (!isPositiveSafeInteger(generation)) problem = `generation ${generation} is not a positive safe integer`;
  else if (records.length === 0) problem = 'the plan has no records';
  else if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > 86400) problem = `ttl ${ttl} is outside 1..86400`;
  else {
    for (const { address, weight } of records) {
      if (!isIpAddress(address)) problem = `'${address}' is not an IPv4 or IPv6 address`;
      else if (addresses.has(canonicalAddress(address))) problem = `address ${address} is repeated`;
      else if (!isPositiveSafeInteger(weight)) problem = `weight ${weight} of ${address} is not a positive integer`;
      if (problem !== null) break;
      addresses.add(canonicalAddress(address));
    }
  }
  if (problem !== null) return new Rejection('INVALID_PLAN', problem);
  if (generation <= state.highestProposed) {
    return new Rejection('GENERATION_NOT_INCREASING', `generation ${generation} is not above the highest proposed, ${state.highestProposed}`);
  }
  return { type: 'PlanProposed', data: { generation, records, ttl } };
}

function existingPlan(state: EndpointState, generation: number): Plan | Rejection {
  const plan = state.plans.get(generation);
  if (plan === undefined) return new Rejection('UNKNOWN_PLAN', `no plan of generation ${generation} was proposed`);
  if (plan.deleted) return new Rejection('PLAN_DELETED', `plan ${generation} was deleted`);
  return plan;
}

function activation(state: EndpointState, plan: Plan, by: Actor, reason: string | null): Verdict {
  return {
    type: 'PlanActivated',
    data: {
      generation: plan.generation,
      activation: (state.active?.activation ?? 0) + 1,
      previousGeneration: state.active?.generation ?? null,
      by,
      reason,
    },
  };
}

function apply(state: EndpointState, { payload, actor }: CommandOf<'ApplyPlan'>): Verdict | Rejection {
  const plan = existingPlan(state, payload.generation);
  if (plan instanceof Rejection) return plan;
  const active = state.active;
  if (active !== null) {
    if (plan.generation === active.generation) return new Rejection('ALREADY_ACTIVE', `plan ${plan.generation} is already active`);
    if (plan.generation < active.generation) {
      return new Rejection('STALE_GENERATION', `plan ${plan.generation} is older than the active plan ${active.generation}`);
    }
  }
  if (plan.proposedSeq < state.operatorFloorSeq) {
    return new Rejection('STALE_GENERATION', `plan ${plan.generation} was proposed before the last operator activation`);
  }
  if (active !== null) {
    const live = state.plans.get(active.generation);
    const percent = state.config?.maxCapacityDropPercent ?? 100;
    if (live !== undefined && (live.totalWeight - plan.totalWeight) * 100 > percent * live.totalWeight) {
      return new Rejection(
        'CAPACITY_DROP_TOO_LARGE',
        `total weight would fall from ${live.totalWeight} to ${plan.totalWeight}, more than ${percent}%`,
      );
    }
  }
  return activation(state, plan, actor, null);
}

function confirm(state: EndpointState, { payload, actor }: CommandOf<'ConfirmApplied'>): Verdict | Rejection {
  const last = state.confirmed.get(actor.id) ?? null;
  if (last !== null && payload.generation < last) {
    return new Rejection('OUT_OF_ORDER_CONFIRMATION', `enactor '${actor.id}' already confirmed generation ${last}`);
  }
  if (state.active === null || payload.generation !== state.active.generation) {
    return new Rejection(
      'STALE_GENERATION',
      `generation ${payload.generation} is not the active one (${state.active?.generation ?? 'none'})`,
    );
  }
  return { type: 'PlanConfirmed', data: { enactorId: actor.id, generation: payload.generation } };
}

function remove(state: EndpointState, { payload }: CommandOf<'DeletePlan'>): Verdict | Rejection {
  const plan = existingPlan(state, payload.generation);
  if (plan instanceof Rejection) return plan;
  const active = state.active;
  if (active === null) return new Rejection('DELETE_ACTIVE_PLAN', 'no plan is active yet');
  if (plan.generation >= active.generation) {
    return new Rejection(
      'DELETE_ACTIVE_PLAN',
      plan.generation === active.generation
        ? `plan ${plan.generation} is the active plan`
        : `plan ${plan.generation} is newer than the active plan ${active.generation}`,
    );
  }
  const config = state.config;
  if (config === null) throw new Error('remove: endpoint is registered');
  const remaining = validGenerations(state).length - 1;
  if (remaining < config.minValidPlans) {
    return new Rejection(
      'WOULD_LEAVE_NO_VALID_PLAN',
      `deleting plan ${plan.generation} would leave ${remaining} valid plans; the endpoint keeps ${config.minValidPlans}`,
    );
  }
  const confirmations = confirmationsOfActive(state);
  if (confirmations < config.quorum) {
    return new Rejection(
      'QUORUM_NOT_REACHED',
      `${confirmations} of ${config.quorum} enactors needed have confirmed the active plan ${active.generation}`,
    );
  }
  return { type: 'PlanDeleted', data: { generation: plan.generation } };
}

function operatorActivate(state: EndpointState, { payload, actor }: CommandOf<'OperatorActivate'>): Verdict | Rejection {
  const plan = existingPlan(state, payload.generation);
  if (plan instanceof Rejection) return plan;
  if (state.active?.generation === plan.generation) {
    return new Rejection('ALREADY_ACTIVE', `plan ${plan.generation} is already active`);
  }
  return activation(state, plan, actor, payload.reason);
}

function isPositiveSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
