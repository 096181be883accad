import type { FabricEvent } from './events';
import { validGenerations, type EndpointState } from './state';

/**
 * The invariants of DESIGN.md that one decision can break (1 to 5), as named
 * checks over a step: the state before, the record's event, the state after.
 * 6 (replay), 7 (projection) and 8 (DNS backend) concern whole logs and
 * systems and are checked where those live.
 */
export interface InvariantViolation {
  readonly invariant: string;
  readonly endpointId: string;
  readonly seq: number;
  readonly message: string;
}

export interface Step {
  readonly before: EndpointState;
  readonly event: FabricEvent;
  readonly after: EndpointState;
}

type Check = (step: Step) => string | null;

/** 1. Once an endpoint has an active plan, it exists and is not deleted; a delete never leaves fewer than minValidPlans valid plans. */
export const activePlanStaysValid: Check = ({ event, after }) => {
  if (after.active === null) return null;
  const plan = after.plans.get(after.active.generation);
  if (plan === undefined) return `active generation ${after.active.generation} has no plan`;
  if (plan.deleted) return `active plan ${plan.generation} is deleted`;
  if (event.type !== 'PlanDeleted') return null;
  const minimum = after.config?.minValidPlans ?? 1;
  const valid = validGenerations(after).length;
  return valid < minimum ? `a delete left ${valid} valid plans, below minValidPlans ${minimum}` : null;
};

/** 2. The active generation never decreases, except by OperatorActivate. */
export const activeGenerationOnlyRises: Check = ({ before, event, after }) => {
  const was = before.active?.generation ?? 0;
  const now = after.active?.generation ?? 0;
  if (now >= was) return null;
  if (event.type === 'PlanActivated' && event.data.by.role === 'operator') return null;
  return `active generation fell from ${was} to ${now} by ${event.type}`;
};

/** 3. A plan older than the active one is deleted only after a quorum of enactors confirmed the active plan. */
export const deletesFollowQuorum: Check = ({ before, event }) => {
  if (event.type !== 'PlanDeleted') return null;
  const active = before.active;
  if (active === null) return `plan ${event.data.generation} deleted with no active plan`;
  if (event.data.generation >= active.generation) return `plan ${event.data.generation} deleted while ${active.generation} is active`;
  const confirmations = [...before.confirmed.values()].filter((generation) => generation === active.generation).length;
  const quorum = before.config?.quorum ?? 1;
  return confirmations >= quorum ? null : `plan ${event.data.generation} deleted with ${confirmations} of ${quorum} confirmations`;
};

/** 4. An enactor's confirmed generation never decreases, except that OperatorActivate clears confirmations. */
export const confirmationsOnlyRise: Check = ({ before, event, after }) => {
  if (event.type === 'PlanActivated' && event.data.by.role === 'operator') return null;
  for (const [enactor, was] of before.confirmed) {
    const now = after.confirmed.get(enactor) ?? null;
    if (was !== null && (now === null || now < was)) return `enactor '${enactor}' confirmation fell from ${was} to ${now}`;
  }
  return null;
};

/**
 * 5. Every command record has exactly one outcome, and the endpoint's events are numbered without gaps.
 * Outcomes follow the command log's order and no record is decided twice; command offsets may skip
 * (a transactional client's commit markers and aborted records take offsets but are never delivered),
 * so that no delivered record was left without an outcome is the audit's check over both logs.
 * Each event is chained to the one before it (its prevHash is that event's hash), so an edited,
 * reordered or removed event is refused wherever the log is folded.
 */
export const oneOutcomePerRecordInOrder: Check = ({ before, event, after }) => {
  if (event.seq !== before.nextSeq) return `event seq ${event.seq} where ${before.nextSeq} was next`;
  if (event.endpointId !== before.endpointId) return `event for '${event.endpointId}' on the log of '${before.endpointId}'`;
  if (event.commandOffset < before.nextCommandOffset) {
    return `outcome for command offset ${event.commandOffset}, which is before ${before.nextCommandOffset}: decided twice or out of order`;
  }
  if (event.prevHash !== before.lastEventHash) {
    return `prevHash ${event.prevHash} is not ${before.lastEventHash}, the hash of ${before.nextSeq === 1 ? 'no event (seq 1)' : `event seq ${before.nextSeq - 1}`}: the log was edited, reordered or cut`;
  }
  return after.nextSeq === before.nextSeq + 1 ? null : 'the state did not advance by exactly one event';
};

/**
 * Keys. A revoked key stays revoked, no key is forgotten, and keys change only
 * through the key events, which only signed operator commands produce.
 */
export const keysChangeOnlyByKeyEvents: Check = ({ before, event, after }) => {
  // Every event but the key events keeps the keys map itself: nothing to walk on the hot path.
  if (after.keys === before.keys) return null;
  for (const [key, was] of before.keys) {
    const now = after.keys.get(key);
    if (now === undefined) return `key ${key} was forgotten by ${event.type}`;
    if (was.revoked && !now.revoked) return `revoked key ${key} is live again after ${event.type}`;
  }
  const keyEvent = event.type === 'ActorKeyRegistered' || event.type === 'ActorKeyRevoked' || event.type === 'EndpointRegistered';
  if (!keyEvent && after.keys.size !== before.keys.size) return `keys changed by ${event.type}`;
  return null;
};

export const INVARIANTS: Readonly<Record<string, Check>> = {
  'I1 active plan stays valid': activePlanStaysValid,
  'I2 active generation only rises': activeGenerationOnlyRises,
  'I3 deletes follow quorum': deletesFollowQuorum,
  'I4 confirmations only rise': confirmationsOnlyRise,
  'I5 one outcome per record, in order': oneOutcomePerRecordInOrder,
  'K keys change only by key events': keysChangeOnlyByKeyEvents,
};

export function checkStep(step: Step): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  for (const [invariant, check] of Object.entries(INVARIANTS)) {
    const message = check(step);
    if (message !== null) violations.push({ invariant, endpointId: step.before.endpointId, seq: step.event.seq, message });
  }
  return violations;
}

export class InvariantBroken extends Error {
  constructor(readonly violations: readonly InvariantViolation[]) {
    super(
      violations
        .map((v) => `invariant ${v.invariant} broken at endpoint '${v.endpointId}' seq ${v.seq}: ${v.message}`)
        .join('; ') +
        ` — refusing to commit; keep the logs and run \`fabric audit --endpoint ${violations[0]?.endpointId ?? '<id>'}\`:` +
        ' a failed replay or hash chain means the log was tampered with; if both pass, this is a defect in decide/evolve to report',
    );
    this.name = 'InvariantBroken';
  }
}

/** Throws InvariantBroken if the step breaks any invariant. */
export function assertStep(step: Step): void {
  const violations = checkStep(step);
  if (violations.length > 0) throw new InvariantBroken(violations);
}
