import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exampleEventLog, foldRows, type ProjectionRows } from '@plan-fabric/db';
import { canonicalJson, eventHash, GENESIS_HASH, parseEvent, SIM_AUTHORITY, type FabricEvent } from '@plan-fabric/domain';
import { checkChain, checkReplay, checkSequence, firstRowDifference, stateAt, viewOf, type LogRecord } from './checks';
import { formatAuditDetails, formatAuditTable, formatStateAt } from './audit-report';
import type { EndpointAudit } from './audit-run';
import { editRecord, removeRecord, replaceIn, swapRecords } from './testing/tamper';

/**
 * The pure checks on in-memory logs: the example log of the projection tests
 * (22 command records at offsets 0..21, 22 events at topic offsets 0, 2, 4…
 * as a transactional events topic numbers them), clean and tampered with.
 */
const log = exampleEventLog('ep-audit');
const ID = log.endpointId;
const commands: readonly LogRecord[] = log.commands;
const events: readonly LogRecord[] = log.records;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const valueAt = (records: readonly LogRecord[], index: number) => records[index]?.value as string;
/** The sequencer's committed offset after deciding every record. */
const SEQUENCER_OFFSET = 22;

function audit(c: readonly LogRecord[], e: readonly LogRecord[], sequencerOffset: number | null = SEQUENCER_OFFSET): EndpointAudit {
  return {
    endpointId: ID,
    commandRecords: c.length,
    eventRecords: e.length,
    sequencerOffset,
    replay: checkReplay(ID, c, e, sequencerOffset, SIM_AUTHORITY),
    chain: checkChain(e),
    sequence: checkSequence(e),
    projection: null,
  };
}

describe('a clean endpoint audits clean', () => {
  it('replay reproduces every event byte for byte, the chain and the seq hold', () => {
    const result = audit(commands, events);
    expect(result.replay).toMatchObject({ ok: true, decided: 22, pending: 0, divergence: null, problem: null });
    expect(result.replay.decidedEnd).toEqual({ offset: 22, from: 'sequencer offset' });
    expect(result.chain).toEqual({ ok: true, links: 22, firstBreak: null });
    expect(result.sequence).toEqual({ ok: true, firstGap: null });
    expect(formatAuditTable([result])).toMatch(/ep-audit\s+22\s+22\s+ok\s+ok \(22 links\)\s+ok\s+\(not checked\)/);
    expect(formatAuditDetails([result])).toBe('');
  });

  it('command records the sequencer has not decided yet are pending, not a divergence', () => {
    const more = [...commands, { offset: 22, value: '{"late": true}' }, { offset: 23, value: null }];
    expect(checkReplay(ID, more, events, SEQUENCER_OFFSET, SIM_AUTHORITY)).toMatchObject({ ok: true, decided: 22, pending: 2 });
    // Without the sequencer's offset the event log says how far it got.
    expect(checkReplay(ID, more, events, null, SIM_AUTHORITY)).toMatchObject({ ok: true, decided: 22, pending: 2, decidedEnd: { offset: 22, from: 'event log' } });
  });

  it('an empty endpoint audits clean', () => {
    expect(audit([], [], null)).toMatchObject({ replay: { ok: true, decided: 0 }, chain: { ok: true, links: 0 }, sequence: { ok: true } });
  });

  it('reports progress every N records', () => {
    const lines: string[] = [];
    const progress = (step: string, done: number, total: number) => lines.push(`${step} ${done}/${total}`);
    checkReplay(ID, commands, events, SEQUENCER_OFFSET, SIM_AUTHORITY, { progressEvery: 10, progress });
    checkChain(events, { progressEvery: 10, progress });
    expect(lines).toEqual(['command records replayed 10/22', 'command records replayed 20/22', 'chain links verified 10/22', 'chain links verified 20/22']);
  });
});

describe('tampering with a copy of the event log', () => {
  it('an edited event: replay diverges at it, the chain breaks at the next event', () => {
    // seq 6 is az-b confirming generation 1.
    const tampered = replaceIn(events, 5, '"enactorId":"az-b"', '"enactorId":"az-c"');
    const result = audit(commands, tampered);
    expect(result.replay.divergence).toEqual({
      seq: 6,
      commandOffset: 5,
      eventOffset: 10,
      expected: valueAt(events, 5),
      found: valueAt(tampered, 5),
      at: valueAt(events, 5).indexOf('az-b') + 3,
    });
    expect(result.chain.firstBreak).toEqual({ seq: 7, eventOffset: 12, expected: sha256(valueAt(tampered, 5)), found: sha256(valueAt(events, 5)) });
    expect(result.chain.links).toBe(6);
    expect(result.sequence.ok).toBe(true);
    expect(formatAuditTable([result])).toMatch(/DIVERGES at seq 6\s+BROKEN at seq 7\s+ok/);
    expect(formatAuditDetails([result])).toContain('replay diverges at event seq 6 (command offset 5; events topic offset 10)');
  });

  it('an edit that changes only white space or key order is still an edit', () => {
    const tampered = editRecord(events, 2, (value) => JSON.stringify(JSON.parse(value), null, 1));
    const result = audit(commands, tampered);
    expect(result.replay.divergence?.seq).toBe(3);
    expect(result.chain.firstBreak?.seq).toBe(4);
  });

  it('two events swapped: replay diverges at the first, the chain and the seq break there', () => {
    const tampered = swapRecords(events, 7, 8); // seq 8 and 9
    const result = audit(commands, tampered);
    expect(result.replay.divergence).toMatchObject({ seq: 8, commandOffset: 7, eventOffset: 14, expected: valueAt(events, 7), found: valueAt(events, 8) });
    // The record at offset 14 now claims seq 9 and commits to seq 8, but follows seq 7.
    expect(result.chain.firstBreak).toEqual({ seq: 9, eventOffset: 14, expected: sha256(valueAt(events, 6)), found: sha256(valueAt(events, 7)) });
    expect(result.sequence.firstGap).toEqual({ eventOffset: 14, expected: 8, found: 9 });
  });

  it('an event removed: replay diverges at its place, the chain and the seq break at the next', () => {
    const tampered = removeRecord(events, 10); // seq 11, the PlanDeleted
    const result = audit(commands, tampered);
    expect(result.replay.divergence).toMatchObject({ seq: 11, commandOffset: 10, eventOffset: 22, expected: valueAt(events, 10), found: valueAt(events, 11) });
    expect(result.chain.firstBreak).toEqual({ seq: 12, eventOffset: 22, expected: sha256(valueAt(events, 9)), found: sha256(valueAt(events, 10)) });
    expect(result.sequence.firstGap).toEqual({ eventOffset: 22, expected: 11, found: 12 });
  });

  it('the last event removed: only the sequencer offset tells, and the replay says so', () => {
    const tampered = removeRecord(events, 21);
    const result = audit(commands, tampered);
    expect(result.replay.divergence).toEqual({ seq: 22, commandOffset: 21, eventOffset: null, expected: valueAt(events, 21), found: null, at: 0 });
    expect(result.chain.ok && result.sequence.ok).toBe(true);
    expect(formatAuditDetails([result])).toContain('(nothing: the event log ends here)');
    // No sequencer offset: it looks like a sequencer that is behind, and the details say that this cannot be told apart.
    const blind = audit(commands, tampered, null);
    expect(blind.replay).toMatchObject({ ok: true, pending: 1 });
    expect(formatAuditDetails([blind])).toMatch(/no committed sequencer offset.*a removed last event would not show/);
  });

  it('an event appended that no command decided', () => {
    const extra = { offset: 44, value: valueAt(events, 21) };
    const result = audit(commands, [...events, extra]);
    expect(result.replay.divergence).toMatchObject({ seq: 23, commandOffset: null, eventOffset: 44, expected: null });
    expect(result.sequence.firstGap).toEqual({ eventOffset: 44, expected: 23, found: 22 });
  });

  it('a forger who removes an event and re-chains and renumbers the rest passes the chain, not the replay', () => {
    const parsed = events.map((record) => parseEvent(record.value as string));
    const kept = [...parsed.slice(0, 10), ...parsed.slice(11)];
    let prevHash = GENESIS_HASH;
    const forged = kept.map((event, index) => {
      const rewritten = { ...event, seq: index + 1, prevHash } as FabricEvent;
      prevHash = eventHash(rewritten);
      return { offset: index * 2, value: canonicalJson(rewritten) };
    });
    const result = audit(commands, forged);
    expect(result.chain.ok && result.sequence.ok).toBe(true);
    expect(result.replay.divergence).toMatchObject({ seq: 11, commandOffset: 10 });
  });

  it('a record that is not an event breaks the chain where it stands', () => {
    const result = audit(commands, editRecord(events, 3, () => 'garbage'));
    expect(result.chain.firstBreak).toMatchObject({ seq: null, eventOffset: 6, found: null });
    expect(result.sequence.firstGap).toEqual({ eventOffset: 6, expected: 4, found: null });
    expect(result.replay.divergence).toMatchObject({ seq: 4, found: 'garbage' });
  });
});

describe('tampering with a copy of the command log', () => {
  it('an edited command record: replay diverges at its event, the event log itself is intact', () => {
    // offset 3: az-a applies plan 1; edited to claim az-b, az-a's signature no longer covers it.
    const tampered = replaceIn(commands, 3, '"id":"az-a"', '"id":"az-b"');
    const result = audit(tampered, events);
    expect(result.replay.divergence).toMatchObject({ seq: 4, commandOffset: 3, eventOffset: 6, found: valueAt(events, 3) });
    expect(result.replay.divergence?.expected).toContain('"reason":"NOT_AUTHENTICATED"');
    expect(result.chain.ok && result.sequence.ok).toBe(true);
  });

  it('a removed command record: replay diverges from where it was', () => {
    const result = audit(removeRecord(commands, 12), events);
    expect(result.replay.divergence).toMatchObject({ seq: 13, commandOffset: 13, eventOffset: 24 });
  });

  it('a command log that does not start at offset 0 cannot be replayed', () => {
    const result = checkReplay(ID, commands.slice(5), events, SEQUENCER_OFFSET, SIM_AUTHORITY, { commandLogStart: 5 });
    expect(result).toMatchObject({ ok: false, divergence: null });
    expect(result.problem).toMatch(/starts at offset 5: earlier records were deleted/);
  });
});

describe('projection rows against their rebuild', () => {
  const rows = (): ProjectionRows =>
    foldRows(ID, log.records.map((record) => ({ event: parseEvent(record.value as string), body: record.value as string, topicOffset: record.offset })));

  it('equal rows: no difference', () => {
    expect(firstRowDifference(rows(), rows())).toBeNull();
    expect(firstRowDifference(null, null)).toBeNull();
  });

  it('an edited row: the first differing table, key and column', () => {
    const live = rows();
    const edited = { ...live, plans: live.plans.map((plan) => (plan.generation === 2 ? { ...plan, status: 'pending' as const } : plan)) };
    expect(firstRowDifference(rows(), edited)).toEqual({ table: 'plans', key: 'generation=2', column: 'status', expected: '"active"', found: '"pending"' });
    const decision = { ...live, decisions: live.decisions.map((row) => (row.commandOffset === 8 ? { ...row, reason: null } : row)) };
    expect(firstRowDifference(rows(), decision)).toEqual({ table: 'decisions', key: 'command_offset=8', column: 'reason', expected: '"QUORUM_NOT_REACHED"', found: 'null' });
  });

  it('a missing or an extra row', () => {
    const live = rows();
    expect(firstRowDifference(rows(), { ...live, events: live.events.slice(0, -1) })).toEqual({
      table: 'events',
      key: 'seq=22',
      column: '(row)',
      expected: 'a row',
      found: 'no row',
    });
    expect(firstRowDifference(rows(), null)).toMatchObject({ table: 'endpoints', column: '(row)', expected: 'a row', found: 'no row' });
  });

  it('keys sort by number: generation 10 comes after 9', () => {
    const live = rows();
    const plan = live.plans[0]!;
    const many = { ...live, plans: [9, 10].map((generation) => ({ ...plan, generation })) };
    const edited = { ...many, plans: [{ ...many.plans[0]!, ttl: 1 }, { ...many.plans[1]!, ttl: 2 }] };
    expect(firstRowDifference(many, edited)?.key).toBe('generation=9');
  });
});

describe('state as of an event seq', () => {
  it('after the second activation (seq 7): plan 2 active, 1 a fallback, nothing confirmed of 2', () => {
    const at = stateAt(ID, events, 7);
    expect(at.event).toMatchObject({ seq: 7, type: 'PlanActivated' });
    expect(at.eventOffset).toBe(12);
    expect(at.chain).toMatchObject({ ok: true, links: 7 });
    expect(viewOf(at.state)).toMatchObject({
      active: { generation: 2, activation: 2 },
      validGenerations: [1, 2],
      deletedGenerations: [],
      pendingGenerations: [],
      confirmed: [['az-a', 1], ['az-b', 1], ['az-c', null]],
      confirmationsOfActive: 0,
      lastEventSeq: 7,
      lastEventHash: sha256(valueAt(events, 6)),
    });
  });

  it('after the operator rolled back to plan 2 (seq 18): confirmations cleared, plan 3 pending, 1 deleted', () => {
    const view = viewOf(stateAt(ID, events, 18).state);
    expect(view).toMatchObject({
      active: { generation: 2, activation: 4 },
      validGenerations: [2],
      deletedGenerations: [1],
      pendingGenerations: [3],
      confirmed: [['az-a', null], ['az-b', null], ['az-c', null]],
    });
    const text = formatStateAt(ID, stateAt(ID, events, 18));
    expect(text).toContain('as of seq 18 (PlanActivated 2 by operator op-1; command offset 17, events topic offset 34)');
    expect(text).toContain('active plan:      generation 2 (activation 4)');
    expect(text).toContain('hash chain:       ok (18 links from seq 1)');
  });

  it('says when the chain up to the seq is broken', () => {
    const at = stateAt(ID, replaceIn(events, 2, '"ttl":60', '"ttl":61'), 5);
    expect(at.chain.firstBreak?.seq).toBe(4);
    expect(at.violations.map((v) => v.invariant)).toEqual(['I5 one outcome per record, in order']);
    expect(formatStateAt(ID, at)).toMatch(/hash chain:\s+BROKEN at seq 4/);
  });

  it('refuses a seq the log does not have', () => {
    expect(() => stateAt(ID, events, 23)).toThrow(/has 22 events; there is no seq 23/);
    expect(() => stateAt(ID, events, 0)).toThrow(/positive integer/);
  });
});
