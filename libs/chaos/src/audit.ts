import { isDeepStrictEqual } from 'node:util';
import { foldRows, type ProjectionRows } from '@plan-fabric/db';
import {
  canonicalJson,
  checkStep,
  evolve,
  initialState,
  outcomeOf,
  parseEvent,
  sequence,
  type Authority,
  type EndpointState,
  type FabricEvent,
  type Outcome,
} from '@plan-fabric/domain';
import type { AckedSend } from './load';
import type { RawRecord } from './log-reader';

/** One broken promise of the fabric, found by the audit. */
export interface Violation {
  readonly endpointId: string;
  readonly check: string;
  readonly detail: string;
}

/** An acknowledged command that has no outcome (or no record at all). */
export interface LostCommand {
  readonly endpointId: string;
  readonly commandId: string;
  readonly detail: string;
}

export interface EndpointAudit {
  readonly endpointId: string;
  readonly commandRecords: number;
  readonly events: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  /** CommandDuplicated events: records whose commandId was decided before. */
  readonly duplicatesAbsorbed: number;
  /** Every violation found (details are kept for the first few of each check only). */
  readonly violationCount: number;
  readonly violations: Violation[];
  readonly lost: LostCommand[];
  /** The event log folded into rows (null if it cannot be folded): what the projection must equal. */
  readonly folded: ProjectionRows | null;
  /** Events topic offset after the last event: where a caught-up projector's stored offset stands. */
  readonly nextEventOffset: number;
}

const MAX_DETAILS_PER_CHECK = 5;

/**
 * The checks of a chaos run over one endpoint's two logs, both read committed
 * from Kafka, and the sends the driver saw acknowledged:
 * - every command record has exactly one outcome, and no outcome names a record that does not exist;
 * - the event sequence is 1, 2, 3… with no gap and no duplicate;
 * - replaying the command log through decide, with the authority the run's sequencers used (its
 *   trust roots; actor keys come from the log itself), reproduces the event log byte for byte;
 * - no invariant breaks over the fold of the event log (checkStep on every event);
 * - every acknowledged command has a record where the ack said, and that record an outcome
 *   (otherwise it is lost); a command id is decided (accepted or rejected) exactly once, and a
 *   resend after an acknowledgement is absorbed as CommandDuplicated.
 */
export function auditEndpoint(
  endpointId: string,
  commands: readonly RawRecord[],
  eventRecords: readonly RawRecord[],
  acked: readonly AckedSend[],
  authority: Authority,
): EndpointAudit {
  const violations: Violation[] = [];
  const perCheck = new Map<string, number>();
  const violate = (check: string, detail: string) => {
    const seen = (perCheck.get(check) ?? 0) + 1;
    perCheck.set(check, seen);
    if (seen <= MAX_DETAILS_PER_CHECK) violations.push({ endpointId, check, detail });
    else if (seen === MAX_DETAILS_PER_CHECK + 1) violations.push({ endpointId, check, detail: '… more of the same (details of the first 5 only)' });
  };
  const counted = () => [...perCheck.values()].reduce((sum, n) => sum + n, 0);

  // The events, parsed.
  const events: { event: FabricEvent; body: string; topicOffset: number }[] = [];
  for (const record of eventRecords) {
    if (record.value === null) {
      violate('event records are events', `events topic offset ${record.offset} has no value`);
      continue;
    }
    const body = record.value.toString('utf8');
    try {
      events.push({ event: parseEvent(body), body, topicOffset: record.offset });
    } catch (error) {
      violate('event records are events', `events topic offset ${record.offset}: ${(error as Error).message}`);
    }
  }

  // The event sequence: contiguous, no duplicate, this endpoint's.
  events.forEach(({ event, topicOffset }, index) => {
    if (event.endpointId !== endpointId) violate('event sequence contiguous', `offset ${topicOffset}: event of endpoint '${event.endpointId}'`);
    if (event.seq !== index + 1) violate('event sequence contiguous', `offset ${topicOffset}: seq ${event.seq} where ${index + 1} was next`);
  });

  // Exactly one outcome per command record.
  const outcomesAt = new Map<number, FabricEvent[]>();
  for (const { event } of events) outcomesAt.set(event.commandOffset, [...(outcomesAt.get(event.commandOffset) ?? []), event]);
  const recordOffsets = new Set(commands.map((record) => record.offset));
  for (const record of commands) {
    const found = outcomesAt.get(record.offset)?.length ?? 0;
    if (found !== 1) violate('one outcome per command record', `command offset ${record.offset} has ${found} outcomes`);
  }
  for (const [offset, outcomes] of outcomesAt) {
    if (!recordOffsets.has(offset)) violate('one outcome per command record', `${outcomes.length} outcome(s) for command offset ${offset}, which holds no record`);
  }

  // Replay: decide over the command log gives the event log, byte for byte.
  let replayed: EndpointState = initialState(endpointId);
  if (commands.length !== eventRecords.length) {
    violate('replay reproduces the event log', `${commands.length} command records but ${eventRecords.length} events`);
  }
  for (let index = 0; index < commands.length; index++) {
    const record = commands[index] as RawRecord;
    let bytes: Buffer;
    try {
      const step = sequence(replayed, { offset: record.offset, value: record.value === null ? null : record.value.toString('utf8') }, authority);
      replayed = step.state;
      bytes = Buffer.from(canonicalJson(step.event), 'utf8');
    } catch (error) {
      violate('replay reproduces the event log', `deciding command offset ${record.offset} threw: ${(error as Error).message}`);
      break;
    }
    const logged = eventRecords[index]?.value ?? null;
    if (logged === null || !bytes.equals(logged)) {
      violate(
        'replay reproduces the event log',
        `event ${index + 1} (command offset ${record.offset}) differs: replay ${bytes.toString('utf8').slice(0, 160)} / log ${logged?.toString('utf8').slice(0, 160) ?? '(none)'}`,
      );
    }
  }

  // The invariants over the fold of the event log as it is.
  let state: EndpointState = initialState(endpointId);
  for (const { event, topicOffset } of events) {
    let after: EndpointState;
    try {
      after = evolve(state, event);
    } catch (error) {
      violate('invariants', `offset ${topicOffset}: evolve threw: ${(error as Error).message}`);
      break;
    }
    for (const broken of checkStep({ before: state, event, after })) violate('invariants', `${broken.invariant} at seq ${broken.seq}: ${broken.message}`);
    state = after;
  }

  // The sends the driver saw acknowledged.
  const lost: LostCommand[] = [];
  const recordAt = new Map(commands.map((record) => [record.offset, record]));
  const decisions = new Map<string, FabricEvent[]>();
  for (const { event } of events) {
    if (event.commandId !== null && event.type !== 'CommandDuplicated') decisions.set(event.commandId, [...(decisions.get(event.commandId) ?? []), event]);
  }
  const ackedIds = new Set<string>();
  for (const send of acked) {
    if (send.endpointId !== endpointId) continue;
    ackedIds.add(send.commandId);
    const record = recordAt.get(send.offset);
    const recordId = record?.value ? commandIdOf(record.value) : null;
    if (recordId !== send.commandId) {
      lost.push({ endpointId, commandId: send.commandId, detail: `acknowledged at command offset ${send.offset}, but that offset holds ${record ? `'${recordId}'` : 'no record'}` });
      continue;
    }
    const outcome = outcomesAt.get(send.offset)?.[0];
    if (outcome === undefined) {
      lost.push({ endpointId, commandId: send.commandId, detail: `record at command offset ${send.offset} has no outcome` });
    } else if (send.resend && outcome.type !== 'CommandDuplicated') {
      violate('resends are absorbed', `resend of '${send.commandId}' at offset ${send.offset} was decided again (${outcome.type})`);
    }
  }
  for (const commandId of ackedIds) {
    const decided = decisions.get(commandId)?.length ?? 0;
    if (decided === 0) lost.push({ endpointId, commandId, detail: 'no accepted or rejected outcome for this command id' });
    if (decided > 1) violate('each command decided once', `'${commandId}' was decided ${decided} times`);
  }

  let folded: ProjectionRows | null = null;
  if (counted() === 0) {
    try {
      folded = foldRows(endpointId, events);
    } catch (error) {
      violate('projection equals the fold', `the event log cannot be folded: ${(error as Error).message}`);
    }
  }

  const outcomes: Record<Outcome, number> = { accepted: 0, rejected: 0, duplicate: 0 };
  for (const { event } of events) outcomes[outcomeOf(event)]++;
  return {
    endpointId,
    commandRecords: commands.length,
    events: events.length,
    outcomes,
    duplicatesAbsorbed: outcomes.duplicate,
    violationCount: counted(),
    violations,
    lost,
    folded,
    nextEventOffset: (eventRecords.at(-1)?.offset ?? -1) + 1,
  };
}

/** Where the stored projection differs from the fold of the event log; null when they are equal. */
export function compareProjection(stored: ProjectionRows | null, folded: ProjectionRows): string | null {
  if (stored === null) return 'nothing of the endpoint is projected';
  const differences: string[] = [];
  if (!isDeepStrictEqual(stored.endpoint, folded.endpoint)) {
    differences.push(`endpoint row: stored ${JSON.stringify(stored.endpoint)} / fold ${JSON.stringify(folded.endpoint)}`);
  }
  for (const table of ['plans', 'progress', 'decisions', 'events'] as const) {
    const a: readonly unknown[] = stored[table];
    const b: readonly unknown[] = folded[table];
    if (isDeepStrictEqual(a, b)) continue;
    const at = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i).find((i) => !isDeepStrictEqual(a[i], b[i])) ?? 0;
    differences.push(`${table}: ${a.length} stored rows, ${b.length} folded; first difference at row ${at}: stored ${JSON.stringify(a[at]) ?? '(none)'} / fold ${JSON.stringify(b[at]) ?? '(none)'}`);
  }
  return differences.length === 0 ? null : differences.join('; ');
}

function commandIdOf(value: Buffer): string | null {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as { commandId?: unknown };
    return typeof parsed.commandId === 'string' ? parsed.commandId : null;
  } catch {
    return null;
  }
}
