import { describe, expect, it } from 'vitest';
import { exampleEventLog, foldRows } from '@plan-fabric/db';
import { Ed25519Verifier, parseEvent, SIM_AUTHORITY, type Authority } from '@plan-fabric/domain';
import { auditEndpoint, compareProjection } from './audit';
import type { AckedSend } from './load';
import type { RawRecord } from './log-reader';
import { FAULT_KINDS, formatReport, passed, type ChaosReport } from './report';

/** A real command log decided by the domain, as the chaos run reads both logs back from Kafka. */
function logs(endpointId = 'chaos-audit-1') {
  const example = exampleEventLog(endpointId);
  const commands: RawRecord[] = example.commands.map((record) => ({ offset: record.offset, value: record.value === null ? null : Buffer.from(record.value, 'utf8') }));
  const events: RawRecord[] = example.records.map((record) => ({ offset: record.offset, value: record.value === null ? null : Buffer.from(record.value, 'utf8') }));
  const acked: AckedSend[] = example.commands.flatMap((record) => {
    const id = commandIdOf(record.value);
    return id === null ? [] : [{ endpointId, commandId: id, type: 'ProposePlan' as const, offset: record.offset, resend: false, attempt: 1 }];
  });
  return { endpointId, example, commands, events, acked };
}

function commandIdOf(value: string | null): string | null {
  try {
    const parsed = JSON.parse(value ?? '') as { commandId?: unknown };
    return typeof parsed.commandId === 'string' ? parsed.commandId : null;
  } catch {
    return null;
  }
}

describe('auditEndpoint', () => {
  it('passes a log the sequencer would write, and folds it', () => {
    const { endpointId, commands, events, acked } = logs();
    const audit = auditEndpoint(endpointId, commands, events, acked, SIM_AUTHORITY);
    expect(audit.violations).toEqual([]);
    expect(audit.violationCount).toBe(0);
    expect(audit.lost).toEqual([]);
    expect(audit.commandRecords).toBe(commands.length);
    expect(audit.events).toBe(events.length);
    expect(audit.outcomes.duplicate).toBe(audit.duplicatesAbsorbed);
    expect(audit.outcomes.accepted + audit.outcomes.rejected + audit.outcomes.duplicate).toBe(commands.length);
    expect(audit.folded).not.toBeNull();
    expect(audit.nextEventOffset).toBe((events.at(-1)?.offset ?? 0) + 1);
  });

  it('finds a decision committed twice (the same events again after a takeover)', () => {
    const { endpointId, commands, events, acked } = logs();
    const last = events.at(-1) as RawRecord;
    const again = events.slice(-3).map((record, index) => ({ offset: last.offset + 2 + index, value: record.value }));
    const audit = auditEndpoint(endpointId, commands, [...events, ...again], acked, SIM_AUTHORITY);
    const checks = new Set(audit.violations.map((violation) => violation.check));
    expect(checks).toContain('event sequence contiguous');
    expect(checks).toContain('one outcome per command record');
    expect(checks).toContain('replay reproduces the event log');
    expect(checks).toContain('each command decided once');
    expect(audit.folded).toBeNull();
  });

  it('finds an event that replay does not reproduce byte for byte', () => {
    const { endpointId, commands, events, acked } = logs();
    const tampered = events.map((record, index) =>
      index === 3 && record.value !== null ? { ...record, value: Buffer.from(record.value.toString('utf8').replace('"seq":4', '"seq": 4'), 'utf8') } : record,
    );
    const audit = auditEndpoint(endpointId, commands, tampered, acked, SIM_AUTHORITY);
    expect(audit.violations.map((violation) => violation.check)).toEqual(['replay reproduces the event log']);
    expect(audit.violations[0]?.detail).toContain('event 4');
  });

  it('counts an acknowledged command without an outcome as lost', () => {
    const { endpointId, commands, events, acked } = logs();
    const audit = auditEndpoint(endpointId, commands, events.slice(0, -1), acked, SIM_AUTHORITY);
    expect(audit.lost.map((lost) => lost.detail)).toContain(`record at command offset ${commands.at(-1)?.offset} has no outcome`);
    expect(audit.violations.some((violation) => violation.detail === `command offset ${commands.at(-1)?.offset} has 0 outcomes`)).toBe(true);
  });

  it('counts an acknowledged command whose record is not where the ack said as lost', () => {
    const { endpointId, commands, events, acked } = logs();
    const audit = auditEndpoint(endpointId, commands, events, [...acked, { endpointId, commandId: 'never-written', type: 'ApplyPlan', offset: 2, resend: false, attempt: 1 }], SIM_AUTHORITY);
    expect(audit.lost.map((lost) => lost.commandId)).toContain('never-written');
  });

  it('requires a resend after an acknowledgement to be absorbed as a duplicate', () => {
    const { endpointId, commands, events, acked } = logs();
    const first = acked[1] as AckedSend;
    const audit = auditEndpoint(endpointId, commands, events, [...acked, { ...first, resend: true }], SIM_AUTHORITY);
    expect(audit.violations.map((violation) => violation.check)).toEqual(['resends are absorbed']);
  });
});

describe('auditEndpoint replays with the run\'s authority', () => {
  it('with trust roots other than the sequencer\'s, the replay differs (the operator\'s commands no longer verify)', () => {
    const { endpointId, commands, events, acked } = logs();
    const stranger: Authority = { trustRoots: new Set(), verifier: new Ed25519Verifier() };
    const audit = auditEndpoint(endpointId, commands, events, acked, stranger);
    expect(audit.violations.map((violation) => violation.check)).toContain('replay reproduces the event log');
    expect(audit.violations[0]?.detail).toMatch(/differs: replay .*"detail":"key \S+ is neither regi/);
  });
});

describe('compareProjection', () => {
  it('is null for equal rows and names the table that differs', () => {
    const { endpointId, example } = logs();
    const log = example.records.map((record) => ({ event: parseEvent(record.value as string), body: record.value as string, topicOffset: record.offset }));
    const folded = foldRows(endpointId, log);
    expect(compareProjection(structuredClone(folded), folded)).toBeNull();
    expect(compareProjection(null, folded)).toBe('nothing of the endpoint is projected');
    const stored = structuredClone(folded);
    (stored.decisions as unknown[]).pop();
    expect(compareProjection(stored, folded)).toMatch(/^decisions: \d+ stored rows, \d+ folded/);
  });
});

describe('formatReport', () => {
  const report = (overrides: Partial<ChaosReport> = {}): ChaosReport => ({
    seed: 1,
    endpoints: ['a', 'b', 'c'],
    durationMs: 150_000,
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 2])) as ChaosReport['faults'],
    faultLog: [],
    commandsSent: 100,
    uniqueCommands: 95,
    resendsAfterAck: 5,
    resendsAfterError: 0,
    unacknowledged: 0,
    commandRecords: 100,
    outcomes: { accepted: 60, rejected: 35, duplicate: 5 },
    duplicatesAbsorbed: 5,
    abortedEventRecords: 3,
    fencedWrites: 2,
    unplannedExits: 0,
    violations: 0,
    violationDetails: [],
    lost: 0,
    lostDetails: [],
    problems: [],
    keptDir: null,
    ...overrides,
  });

  it('prints every fault kind and the must-be-zero rows', () => {
    const text = formatReport(report());
    for (const line of ['kill -9 sequencer mid-transaction', 'pause sequencer past session timeout', 'restart Kafka broker', 'kill -9 projector before COMMIT', 'restart Postgres', 'producer retries']) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/violations \(must be 0\)\s+0/);
    expect(text).toMatch(/lost commands \(must be 0\)\s+0/);
    expect(text.split('\n').at(-1)).toContain('PASS');
    expect(passed(report())).toBe(true);
  });

  it('fails on a violation, a lost command or a problem of the run', () => {
    expect(passed(report({ violations: 1 }))).toBe(false);
    expect(passed(report({ lost: 1 }))).toBe(false);
    expect(passed(report({ problems: ['restart Postgres could not be injected'] }))).toBe(false);
    expect(formatReport(report({ problems: ['x'] })).split('\n').at(-1)).toBe('FAIL');
  });
});
