import { randomUUID } from 'node:crypto';
import {
  canonicalJson,
  checkStep,
  decide,
  evolve,
  initialState,
  outcomeOf,
  parseCommand,
  parseEvent,
  signAsSim,
  simKey,
  SIM_AUTHORITY,
  withSimKeys,
  type Command,
  type EndpointState,
  type FabricEvent,
  type InvariantViolation,
  type Outcome,
} from '@plan-fabric/domain';
import { endpointViewOf, type EndpointEventLog, type EndpointView } from '@plan-fabric/db';

/** What a dry run was answered from. */
export interface DryRunBasis {
  /** False when nothing of the endpoint is projected: the answer is from an empty log (only RegisterEndpoint can pass). */
  readonly projected: boolean;
  /** The last event folded: the answer holds for the log up to here. */
  readonly lastEventSeq: number;
  /** The command offset the command was decided at: the next one after the last decided record. */
  readonly commandOffset: number;
}

export interface DryRun {
  readonly endpointId: string;
  readonly basis: DryRunBasis;
  /** The record value that was decided (after filling in a missing commandId or endpointId). */
  readonly record: string;
  readonly outcome: Outcome;
  /** The event the sequencer would append. */
  readonly event: FabricEvent;
  /** The endpoint as it would be after that event. */
  readonly after: EndpointView;
  /** Invariants the step would break: the sequencer would refuse to commit it (never expected; a defect if not empty). */
  readonly violations: readonly InvariantViolation[];
}

/**
 * Folds the endpoint's event bodies (in seq order), checking they are the
 * whole log, into the state the sequencer holds; null log: nothing projected.
 */
export function foldEventLog(endpointId: string, log: EndpointEventLog | null): EndpointState {
  let state = initialState(endpointId);
  if (log === null) return state;
  for (const body of log.bodies) {
    const event = parseEvent(body);
    if (event.seq !== state.nextSeq || event.endpointId !== endpointId) {
      throw new Error(
        `the projected event log of '${endpointId}' is not contiguous: found seq ${event.seq} of '${event.endpointId}' where seq ${state.nextSeq} was next; ` +
          'rebuild the projection from the events topic before a dry run',
      );
    }
    state = evolve(state, event);
  }
  if (state.nextSeq - 1 !== log.lastEventSeq) {
    throw new Error(`the projection of '${endpointId}' says last seq ${log.lastEventSeq} but holds ${state.nextSeq - 1} events; rebuild it`);
  }
  return state;
}

/**
 * The record value a dry run decides: a string is taken as the record as it
 * is (so a malformed record can be tried too); an object gets the endpoint id
 * and a fresh command id when it has none, so an operator can leave them out,
 * and, unsigned, a stand-in signature of its actor (see dryRun).
 */
export function dryRunRecord(endpointId: string, command: unknown): string {
  if (typeof command === 'string') return command;
  if (typeof command === 'object' && command !== null && !Array.isArray(command)) {
    const fields = command as Record<string, unknown>;
    return canonicalJson(
      standInSigned({
        ...fields,
        ...(!('commandId' in fields) && { commandId: `dry-run-${randomUUID()}` }),
        ...(!('endpointId' in fields) && { endpointId }),
      }),
    );
  }
  return canonicalJson(command);
}

/** Signs an unsigned command with its actor's stand-in key; anything else as it is. */
function standInSigned(fields: Record<string, unknown>): Record<string, unknown> {
  if ('signature' in fields) return fields;
  try {
    return signAsSim(fields as unknown as Command) as unknown as Record<string, unknown>;
  } catch {
    return fields; // not a command an actor could sign: decided as it is (MALFORMED)
  }
}

/**
 * What the sequencer would decide for `record` now: the real `decide` on the
 * folded state, at the next command offset. Pure:
 * it appends to no log and writes no row. A dry run judges a command on its
 * merits, not its signature: the dashboard holds no actor's key, so a command
 * given as an object is signed with a stand-in key of its actor, taken as
 * registered (libs/domain sim-identities); a record given as text keeps its
 * own signature, checked against the keys the endpoint's log registered.
 */
export function dryRun(endpointId: string, log: EndpointEventLog | null, record: string): DryRun {
  const folded = foldEventLog(endpointId, log);
  const parsed = parseCommand(record, endpointId);
  const standIn = parsed.ok && parsed.command.signature?.key === simKey(parsed.command.actor).publicKey;
  const before = standIn ? withSimKeys(folded, [parsed.command.actor]) : folded;
  const commandOffset = before.nextCommandOffset;
  const event = decide(before, { offset: commandOffset, value: record }, SIM_AUTHORITY);
  const after = evolve(before, event);
  return {
    endpointId,
    basis: { projected: log !== null, lastEventSeq: before.nextSeq - 1, commandOffset },
    record,
    outcome: outcomeOf(event),
    event,
    after: endpointViewOf(after),
    violations: checkStep({ before, event, after }),
  };
}
