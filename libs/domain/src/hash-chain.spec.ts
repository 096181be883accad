import { createHash } from 'node:crypto';
import { SIM_AUTHORITY } from './sim-identities';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { parseEvent } from './event-schema';
import type { FabricEvent } from './events';
import { eventHash, GENESIS_HASH } from './hash-chain';
import { checkStep } from './invariants';
import { replay, serializeEvent } from './replay';
import { evolve, foldEvents, initialState } from './state';
import { ENDPOINT, everyOutcomeLog } from './testing/decider';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the event hash chain', () => {
  const { events, state } = replay(ENDPOINT, everyOutcomeLog(), SIM_AUTHORITY);

  it('the first event commits to no event: 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    expect(initialState(ENDPOINT).lastEventHash).toBe(GENESIS_HASH);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
  });

  it('every later event carries the SHA-256 of the canonical bytes of the event before it', () => {
    for (let i = 1; i < events.length; i++) {
      expect(events[i]?.prevHash, `seq ${i + 1}`).toBe(sha256(canonicalJson(events[i - 1])));
    }
    expect(state.lastEventHash).toBe(sha256(serializeEvent(events.at(-1)!)));
  });

  it('eventHash is the hash of the bytes the sequencer writes, and survives a read back', () => {
    for (const event of events) {
      expect(eventHash(event)).toBe(sha256(serializeEvent(event)));
      expect(eventHash(parseEvent(serializeEvent(event)))).toBe(eventHash(event));
    }
  });

  it('the fold of the written events ends on the same hash', () => {
    expect(foldEvents(ENDPOINT, events.map((event) => parseEvent(serializeEvent(event)))).lastEventHash).toBe(state.lastEventHash);
  });

  it('the schema refuses an event without prevHash or with one that is not lowercase hex SHA-256', () => {
    const doc = JSON.parse(serializeEvent(events[3]!)) as Record<string, unknown>;
    const without = { ...doc };
    delete without['prevHash'];
    expect(() => parseEvent(JSON.stringify(without))).toThrow(/must have required property 'prevHash'/);
    for (const bad of ['ABC'.repeat(21) + 'A', '0'.repeat(63), '0'.repeat(65), 'g'.repeat(64), 1]) {
      expect(() => parseEvent(JSON.stringify({ ...doc, prevHash: bad }))).toThrow(/prevHash/);
    }
  });

  type Log = readonly FabricEvent[];
  /** Index and messages of the first event checkStep refuses when the log is folded in order. */
  const firstRefused = (log: Log) => {
    let before = initialState(ENDPOINT);
    for (const [index, event] of log.entries()) {
      const after = evolve(before, event);
      const violations = checkStep({ before, event, after });
      if (violations.length > 0) return { index, messages: violations.map((v) => v.message) };
      before = after;
    }
    return null;
  };
  const renumbered = (log: Log) => log.map((event, i) => ({ ...event, seq: i + 1 }));

  it('an untouched log folds without a refusal', () => {
    expect(firstRefused(events)).toBeNull();
  });

  it.each<[string, (log: Log) => Log, number, RegExp]>([
    ['an edited event (seq 10)', (log) => log.map((e, i) => (i === 9 ? { ...e, commandId: 'edited' } : e)), 10, /prevHash \w+ is not \w+, the hash of event seq 10/],
    ['two events swapped (seq 10, 11)', (log) => [...log.slice(0, 9), log[10]!, log[9]!, ...log.slice(11)], 9, /event seq 11 where 10 was next/],
    ['two events swapped and renumbered', (log) => renumbered([...log.slice(0, 9), log[10]!, log[9]!, ...log.slice(11)]), 9, /the hash of event seq 9/],
    ['an event removed (seq 10)', (log) => [...log.slice(0, 9), ...log.slice(10)], 9, /event seq 11 where 10 was next/],
    ['an event removed and the rest renumbered', (log) => renumbered([...log.slice(0, 9), ...log.slice(10)]), 9, /the hash of event seq 9/],
  ])('%s is refused at index %i', (_, tamper, index, message) => {
    const refused = firstRefused(tamper(events));
    expect(refused?.index).toBe(index);
    expect(refused?.messages.join('; ')).toMatch(message);
  });
});
