import { describe, expect, it } from 'vitest';
import { SIM_AUTHORITY } from './sim-identities';
import { canonicalJson } from './canonical-json';
import { decide, sequence } from './decide';
import { parseEvent } from './event-schema';
import { replay, serializeEvent } from './replay';
import { foldEvents, initialState } from './state';
import { ENDPOINT, everyOutcomeLog, snapshot } from './testing/decider';

const bytesOf = (events: readonly unknown[]) => events.map((event) => canonicalJson(event)).join('\n');

describe('replaying a command log', () => {
  it('twice gives byte-identical canonical JSON', () => {
    const log = everyOutcomeLog();
    const first = replay(ENDPOINT, log, SIM_AUTHORITY);
    const second = replay(ENDPOINT, structuredClone(log), SIM_AUTHORITY);
    expect(bytesOf(second.events)).toBe(bytesOf(first.events));
    expect(snapshot(second.state)).toEqual(snapshot(first.state));
  });

  it('numbers the events 1, 2, 3… and names each record’s offset: one outcome per record', () => {
    const log = everyOutcomeLog();
    const { events } = replay(ENDPOINT, log, SIM_AUTHORITY);
    expect(events).toHaveLength(log.length);
    expect(events.map((event) => event.seq)).toEqual(log.map((_, i) => i + 1));
    expect(events.map((event) => event.commandOffset)).toEqual(log.map((record) => record.offset));
    expect(new Set(events.map((event) => event.endpointId))).toEqual(new Set([ENDPOINT]));
  });

  it('the events are the truth: folding the serialized events gives the state the sequencer had', () => {
    const { events, state } = replay(ENDPOINT, everyOutcomeLog(), SIM_AUTHORITY);
    const read = events.map((event) => parseEvent(serializeEvent(event)));
    expect(snapshot(foldEvents(ENDPOINT, read))).toEqual(snapshot(state));
  });

  it('a log cut anywhere replays to a prefix of the full event log', () => {
    const log = everyOutcomeLog();
    const full = replay(ENDPOINT, log, SIM_AUTHORITY).events.map((event) => canonicalJson(event));
    for (const cut of [0, 1, 7, 20, log.length - 1]) {
      expect(replay(ENDPOINT, log.slice(0, cut), SIM_AUTHORITY).events.map((event) => canonicalJson(event))).toEqual(full.slice(0, cut));
    }
  });

  it('a tampered record changes the event log from its offset on, and nowhere before', () => {
    const log = everyOutcomeLog();
    const at = log.findIndex((record) => record.value?.includes('"ApplyPlan"') && record.value.includes('"e1"') && !record.value.includes('early-apply'));
    expect(at).toBeGreaterThan(0); // ApplyPlan 1 by e1: the first activation
    const tampered = log.map((record) => (record.offset === at ? { ...record, value: record.value!.replace('"e1"', '"e2"') } : record));
    const a = replay(ENDPOINT, log, SIM_AUTHORITY).events.map((event) => canonicalJson(event));
    const b = replay(ENDPOINT, tampered, SIM_AUTHORITY).events.map((event) => canonicalJson(event));
    const firstDifference = a.findIndex((bytes, i) => bytes !== b[i]);
    expect(firstDifference).toBe(at);
  });
});

describe('decide and evolve are pure', () => {
  it('the same state and record give the same event, and the state is not touched', () => {
    let state = initialState(ENDPOINT);
    for (const record of everyOutcomeLog()) {
      const before = JSON.stringify(snapshot(state));
      const one = canonicalJson(decide(state, record, SIM_AUTHORITY));
      const two = canonicalJson(decide(state, record, SIM_AUTHORITY));
      expect(two).toBe(one);
      const next = sequence(state, record, SIM_AUTHORITY);
      expect(canonicalJson(next.event)).toBe(one);
      expect(JSON.stringify(snapshot(state))).toBe(before);
      state = next.state;
    }
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth, whatever the insertion order', () => {
    const a = { b: 1, a: { z: [{ y: 1, x: 2 }], c: null } };
    const b = { a: { c: null, z: [{ x: 2, y: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"z":[{"x":2,"y":1}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('sorts keys by UTF-16 code unit, not by locale or number', () => {
    expect(canonicalJson({ b: 0, B: 0, a: 0, '10': 0, '9': 0, é: 0, _: 0 })).toBe('{"10":0,"9":0,"B":0,"_":0,"a":0,"b":0,"é":0}');
  });

  it('keeps array order, drops undefined members, writes no white space', () => {
    expect(canonicalJson({ list: [3, 1, 2], gone: undefined, s: 'a b' })).toBe('{"list":[3,1,2],"s":"a b"}');
  });

  it('writes strings and numbers as JSON does', () => {
    expect(canonicalJson(['"quoted"\n', '\u2028', 'é', 1.5, -0, 1e21, 2 ** 53 - 1, true, false])).toBe(
      JSON.stringify(['"quoted"\n', '\u2028', 'é', 1.5, -0, 1e21, 2 ** 53 - 1, true, false]),
    );
  });

  it('round-trips: parsing and writing again gives the same bytes', () => {
    for (const event of replay(ENDPOINT, everyOutcomeLog(), SIM_AUTHORITY).events) {
      const bytes = canonicalJson(event);
      expect(canonicalJson(JSON.parse(bytes))).toBe(bytes);
    }
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s rather than writing something unstable', (_, value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });
});
