import {
  COMMAND_ROLE,
  LogMap,
  assertStep,
  evolve,
  initialState,
  outcomeOf,
  validGenerations,
  type ActivePlan,
  type CommandType,
  type EndpointState,
  type FabricEvent,
  type Outcome,
  type Plan,
  type PlanRecord,
} from '@plan-fabric/domain';

/**
 * The pure half of the projector: what rows of fabric.* one event produces,
 * given the endpoint's projection so far. The writer only stores these rows,
 * so the tables are a function of the event log (invariant 7) whether they
 * were built live, batch by batch, or rebuilt in one go.
 */

export type PlanStatus = 'pending' | 'active' | 'fallback' | 'deleted';

export interface EndpointRow {
  readonly endpointId: string;
  readonly enactors: readonly string[];
  readonly quorum: number | null;
  readonly minValidPlans: number | null;
  readonly maxCapacityDropPercent: number | null;
  readonly registered: boolean;
  readonly activeGeneration: number | null;
  readonly activation: number | null;
  readonly validPlanCount: number;
  readonly lastEventSeq: number;
}

export interface PlanRow {
  readonly endpointId: string;
  readonly generation: number;
  readonly records: readonly PlanRecord[];
  readonly ttl: number;
  readonly totalWeight: number;
  readonly status: PlanStatus;
  readonly proposedSeq: number;
  /** Seq of the latest PlanActivated of this generation. */
  readonly activatedSeq: number | null;
  readonly deletedSeq: number | null;
}

export interface ProgressRow {
  readonly endpointId: string;
  readonly enactorId: string;
  readonly confirmedGeneration: number | null;
  /** Active generation minus confirmed generation; null while the enactor confirmed nothing. */
  readonly lag: number | null;
  /** Seq of the last event that changed this row. */
  readonly lastEventSeq: number;
}

export interface DecisionRow {
  readonly endpointId: string;
  readonly commandOffset: number;
  readonly seq: number;
  readonly commandId: string | null;
  readonly commandType: string | null;
  readonly actorRole: string | null;
  readonly actorId: string | null;
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly detail: string | null;
}

export interface EventRow {
  readonly endpointId: string;
  readonly seq: number;
  readonly topicOffset: number;
  readonly commandOffset: number;
  readonly commandId: string | null;
  readonly type: string;
  /** The record's value exactly as read from the events topic. */
  readonly body: string;
}

/** One endpoint's fold: the domain state plus the row details the state does not keep. */
export interface Projection {
  readonly state: EndpointState;
  readonly plans: ReadonlyMap<number, PlanRow>;
  readonly progress: ReadonlyMap<string, ProgressRow>;
}

/** The rows one event writes: its own event and decision rows, the endpoint row, and the plan/progress rows it changed. */
export interface ProjectedEvent {
  readonly projection: Projection;
  readonly event: EventRow;
  readonly decision: DecisionRow;
  readonly endpoint: EndpointRow;
  readonly plans: readonly PlanRow[];
  readonly progress: readonly ProgressRow[];
}

export class EventOutOfSequence extends Error {
  constructor(
    readonly endpointId: string,
    readonly expectedSeq: number,
    readonly foundSeq: number,
    where: string,
  ) {
    super(
      `endpoint '${endpointId}': event ${where} has seq ${foundSeq}, expected ${expectedSeq} — ` +
        (foundSeq < expectedSeq
          ? `seq ${foundSeq} is already projected, so the events topic repeats a seq (written by something other than the one sequencer?); `
          : `seqs ${expectedSeq}..${foundSeq - 1} are missing from what was projected; `) +
        'nothing was written. If fabric.* was edited or partly dropped, rebuild the projection from the events topic; ' +
        'if the topic itself is not contiguous, stop and audit it (fabric audit) before projecting further',
    );
    this.name = 'EventOutOfSequence';
  }
}

export function emptyProjection(endpointId: string): Projection {
  return { state: initialState(endpointId), plans: new Map(), progress: new Map() };
}

export function planStatus(plan: Plan, active: ActivePlan | null): PlanStatus {
  if (plan.deleted) return 'deleted';
  if (active === null || plan.generation > active.generation) return 'pending';
  return plan.generation === active.generation ? 'active' : 'fallback';
}

/**
 * Folds one event into the projection: checks its seq follows on, evolves the
 * domain state, asserts the domain invariants over the step (on the read side
 * too: a broken log must not be shown as a healthy one), and derives the rows.
 */
export function projectEvent(
  projection: Projection,
  event: FabricEvent,
  source: { readonly body: string; readonly topicOffset: number; readonly where?: string },
): ProjectedEvent {
  const before = projection.state;
  const where = source.where ?? `at topic offset ${source.topicOffset}`;
  if (event.endpointId !== before.endpointId) {
    throw new Error(`event ${where} is for endpoint '${event.endpointId}' but was read from the log of '${before.endpointId}'`);
  }
  if (event.seq !== before.nextSeq) throw new EventOutOfSequence(before.endpointId, before.nextSeq, event.seq, where);
  const after = evolve(before, event);
  assertStep({ before, event, after });

  const changedPlans = planRowsChanged(projection.plans, before, after, event);
  const changedProgress = progressRowsChanged(projection.progress, after, event);
  const plans = changedPlans.length === 0 ? projection.plans : withRows(projection.plans, changedPlans, (row) => row.generation);
  const progress =
    changedProgress.length === 0 ? projection.progress : withRows(projection.progress, changedProgress, (row) => row.enactorId);

  return {
    projection: { state: after, plans, progress },
    event: {
      endpointId: event.endpointId,
      seq: event.seq,
      topicOffset: source.topicOffset,
      commandOffset: event.commandOffset,
      commandId: event.commandId,
      type: event.type,
      body: source.body,
    },
    decision: {
      endpointId: event.endpointId,
      commandOffset: event.commandOffset,
      seq: event.seq,
      commandId: event.commandId,
      outcome: outcomeOf(event),
      ...decisionDetails(event),
    },
    endpoint: endpointRow(after),
    plans: changedPlans,
    progress: changedProgress,
  };
}

export function endpointRow(state: EndpointState): EndpointRow {
  return {
    endpointId: state.endpointId,
    enactors: state.config?.enactors ?? [],
    quorum: state.config?.quorum ?? null,
    minValidPlans: state.config?.minValidPlans ?? null,
    maxCapacityDropPercent: state.config?.maxCapacityDropPercent ?? null,
    registered: state.config !== null,
    activeGeneration: state.active?.generation ?? null,
    activation: state.active?.activation ?? null,
    validPlanCount: validGenerations(state).length,
    lastEventSeq: state.nextSeq - 1,
  };
}

function planRowsChanged(rows: ReadonlyMap<number, PlanRow>, before: EndpointState, after: EndpointState, event: FabricEvent): PlanRow[] {
  // Only these events touch plans; an activation can move any plan between pending and fallback.
  let candidates: Plan[];
  if (event.type === 'PlanProposed' || event.type === 'PlanDeleted') {
    const plan = after.plans.get(event.data.generation);
    candidates = plan === undefined ? [] : [plan];
  } else if (event.type === 'PlanActivated' && before.active?.generation !== after.active?.generation) {
    // Only undeleted plans between the old and the new active generation change status (pending, active, fallback):
    // the rest keep theirs, and walking every plan ever proposed made projecting a long log quadratic.
    const from = Math.min(before.active?.generation ?? 0, event.data.generation);
    const to = Math.max(before.active?.generation ?? 0, event.data.generation);
    candidates = after.undeleted.filter((generation) => generation >= from && generation <= to).map((generation) => after.plans.get(generation) as Plan);
  } else if (event.type === 'PlanActivated') {
    const plan = after.plans.get(event.data.generation);
    candidates = plan === undefined ? [] : [plan];
  } else {
    return [];
  }
  const changed: PlanRow[] = [];
  for (const plan of candidates) {
    const old = rows.get(plan.generation);
    const row: PlanRow = {
      endpointId: after.endpointId,
      generation: plan.generation,
      records: plan.records,
      ttl: plan.ttl,
      totalWeight: plan.totalWeight,
      status: planStatus(plan, after.active),
      proposedSeq: plan.proposedSeq,
      activatedSeq: event.type === 'PlanActivated' && event.data.generation === plan.generation ? event.seq : (old?.activatedSeq ?? null),
      deletedSeq: event.type === 'PlanDeleted' && event.data.generation === plan.generation ? event.seq : (old?.deletedSeq ?? null),
    };
    if (old === undefined || old.status !== row.status || old.activatedSeq !== row.activatedSeq || old.deletedSeq !== row.deletedSeq) {
      changed.push(row);
    }
  }
  return changed;
}

function progressRowsChanged(rows: ReadonlyMap<string, ProgressRow>, after: EndpointState, event: FabricEvent): ProgressRow[] {
  if (event.type !== 'EndpointRegistered' && event.type !== 'PlanActivated' && event.type !== 'PlanConfirmed') return [];
  const active = after.active;
  const changed: ProgressRow[] = [];
  for (const [enactorId, confirmedGeneration] of after.confirmed) {
    const lag = active === null || confirmedGeneration === null ? null : active.generation - confirmedGeneration;
    const old = rows.get(enactorId);
    if (old !== undefined && old.confirmedGeneration === confirmedGeneration && old.lag === lag) continue;
    changed.push({ endpointId: after.endpointId, enactorId, confirmedGeneration, lag, lastEventSeq: event.seq });
  }
  return changed;
}

type DecisionDetails = Pick<DecisionRow, 'commandType' | 'actorRole' | 'actorId' | 'reason' | 'detail'>;

/** What the event itself says about the command it decided (accepted events do not carry every actor id). */
function decisionDetails(event: FabricEvent): DecisionDetails {
  const accepted = (commandType: CommandType, actorId: string | null = null, detail: string | null = null): DecisionDetails => ({
    commandType,
    actorRole: COMMAND_ROLE[commandType],
    actorId,
    reason: null,
    detail,
  });
  switch (event.type) {
    case 'EndpointRegistered':
      return accepted('RegisterEndpoint');
    case 'PlanProposed':
      return accepted('ProposePlan');
    case 'PlanActivated':
      return event.data.by.role === 'operator'
        ? accepted('OperatorActivate', event.data.by.id, event.data.reason)
        : accepted('ApplyPlan', event.data.by.id);
    case 'PlanConfirmed':
      return accepted('ConfirmApplied', event.data.enactorId);
    case 'PlanDeleted':
      return accepted('DeletePlan');
    case 'ActorKeyRegistered':
      return accepted('RegisterActorKey', null, `${event.data.actor.role}:${event.data.actor.id} ${event.data.publicKey}`);
    case 'ActorKeyRevoked':
      return accepted('RevokeActorKey', null, event.data.publicKey);
    case 'CommandRejected':
      return {
        commandType: event.data.commandType,
        actorRole: event.data.actor?.role ?? null,
        actorId: event.data.actor?.id ?? null,
        reason: event.data.reason,
        detail: event.data.detail,
      };
    case 'CommandDuplicated':
      return {
        commandType: null,
        actorRole: null,
        actorId: null,
        reason: null,
        detail: `duplicate of the command decided at command offset ${event.data.firstOffset}`,
      };
  }
}

/** Rows with the changed ones replaced: a LogMap, so a change costs what it changes, not a copy of every row. */
function withRows<K, R>(rows: ReadonlyMap<K, R>, changed: readonly R[], key: (row: R) => K): ReadonlyMap<K, R> {
  let map = rows instanceof LogMap ? rows : LogMap.of(rows);
  for (const row of changed) map = map.with(key(row), row);
  return map;
}

/** Every row of one endpoint in fabric.* (ordered by key), as the tables hold them or as a fold produces them. */
export interface ProjectionRows {
  readonly endpoint: EndpointRow;
  readonly plans: readonly PlanRow[];
  readonly progress: readonly ProgressRow[];
  readonly decisions: readonly DecisionRow[];
  readonly events: readonly EventRow[];
}

/** The rows a projection from scratch of these events holds: what live tables must equal (invariant 7). */
export function foldRows(
  endpointId: string,
  log: Iterable<{ readonly event: FabricEvent; readonly body: string; readonly topicOffset: number }>,
): ProjectionRows {
  let projection = emptyProjection(endpointId);
  const decisions: DecisionRow[] = [];
  const events: EventRow[] = [];
  for (const { event, body, topicOffset } of log) {
    const step = projectEvent(projection, event, { body, topicOffset });
    projection = step.projection;
    decisions.push(step.decision);
    events.push(step.event);
  }
  return {
    endpoint: endpointRow(projection.state),
    plans: [...projection.plans.values()].sort((a, b) => a.generation - b.generation),
    progress: [...projection.progress.values()].sort((a, b) => compareText(a.enactorId, b.enactorId)),
    decisions: decisions.sort((a, b) => a.commandOffset - b.commandOffset),
    events,
  };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
