import { describe, expect, it } from 'vitest';
import { SIM_AUTHORITY } from './sim-identities';
import { canonicalJson } from './canonical-json';
import { EventSchemaError, parseEvent } from './event-schema';
import type { EventType, FabricEvent } from './events';
import { REJECTION_REASONS } from './reasons';
import { replay } from './replay';
import { ENDPOINT, everyOutcomeLog } from './testing/decider';

const EVENT_TYPES: readonly EventType[] = [
  'EndpointRegistered',
  'PlanProposed',
  'PlanActivated',
  'PlanConfirmed',
  'PlanDeleted',
  'CommandRejected',
  'CommandDuplicated',
  'ActorKeyRegistered',
  'ActorKeyRevoked',
];

const { events } = replay(ENDPOINT, everyOutcomeLog(), SIM_AUTHORITY);

describe('every event the decider emits validates against its JSON Schema', () => {
  it('the example log reaches every event type and every rejection reason', () => {
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(EVENT_TYPES));
    const reasons = new Set(events.flatMap((event) => (event.type === 'CommandRejected' ? [event.data.reason] : [])));
    expect([...reasons].sort()).toEqual([...REJECTION_REASONS].sort());
  });

  it.each(events.map((event) => [event.seq, event.type, event] as const))('seq %i %s', (_, __, event) => {
    expect(parseEvent(canonicalJson(event))).toEqual(event);
  });
});

describe('parseEvent refuses what the sequencer never writes', () => {
  const activated = events.find((event): event is Extract<FabricEvent, { type: 'PlanActivated' }> => event.type === 'PlanActivated')!;
  type Doc = Record<string, unknown>;
  const data = (doc: Doc) => doc['data'] as Doc;
  const bytes = (change: (doc: Doc) => void) => {
    const doc = JSON.parse(canonicalJson(activated)) as Doc;
    change(doc);
    return JSON.stringify(doc);
  };

  it.each<[string, string]>([
    ['not JSON', '{"seq":'],
    ['JSON null', 'null'],
    ['an unknown type', bytes((d) => (d['type'] = 'PlanExploded'))],
    ['no type', bytes((d) => delete d['type'])],
    ['an extra envelope field', bytes((d) => (d['at'] = '2024-01-01'))],
    ['an extra data field', bytes((d) => (data(d)['extra'] = 1))],
    ['a missing data field', bytes((d) => delete data(d)['activation'])],
    ['seq 0', bytes((d) => (d['seq'] = 0))],
    ['seq not an integer', bytes((d) => (d['seq'] = 1.5))],
    ['a negative command offset', bytes((d) => (d['commandOffset'] = -1))],
    ['activation 0', bytes((d) => (data(d)['activation'] = 0))],
    ['an unknown role in by', bytes((d) => ((data(d)['by'] as Doc)['role'] = 'root'))],
    ['generation a string', bytes((d) => (data(d)['generation'] = '2'))],
  ])('%s', (_, text) => {
    expect(() => parseEvent(text)).toThrow(EventSchemaError);
  });

  it('says which type and field', () => {
    expect(() => parseEvent(bytes((d) => (data(d)['generation'] = '2')))).toThrow(/PlanActivated \/data\/generation must be integer/);
  });
});
