import { describe, expect, it } from 'vitest';
import { SIM_AUTHORITY, signAsSim } from './sim-identities';
import { canonicalJson } from './canonical-json';
import { LIMITS, parseCommand, utf8ByteLength } from './commands';
import { decide, sequence } from './decide';
import { parseEvent } from './event-schema';
import { evolve, initialState } from './state';
import { ENDPOINT, given, proposePlan, raw, registerEndpoint } from './testing/decider';

/** Regressions for what `fabric fuzz` (libs/fuzz) found in the decision core. */
describe('hostile input found by the fuzzer', () => {
  it('a MALFORMED detail clips the name of an unknown member: a 60 KB name does not make a 60 KB event', () => {
    const name = 'k'.repeat(60_000);
    const record = JSON.stringify({ ...JSON.parse(JSON.stringify(proposePlan(1))), [name]: 1 });
    expect(record.length).toBeLessThanOrEqual(LIMITS.commandBytesMax);

    const { event } = given(registerEndpoint()).when(raw(record)).thenRejected('MALFORMED', `envelope: (root) must NOT have additional properties '${'k'.repeat(LIMITS.idLengthMax)}…'`);
    expect(canonicalJson(event).length).toBeLessThan(1_000);
  });

  it('maxCapacityDropPercent -0 registers as 0: the state rebuilt from the written event is the decided state', () => {
    const command = signAsSim(registerEndpoint({ maxCapacityDropPercent: 0 }));
    const record = { offset: 0, value: JSON.stringify(command).replace('"maxCapacityDropPercent":0', '"maxCapacityDropPercent":-0') };
    expect(record.value).toContain('-0');

    const before = initialState(ENDPOINT);
    const { event, state } = sequence(before, record, SIM_AUTHORITY);
    expect(event.type).toBe('EndpointRegistered');
    expect(Object.is(state.config?.maxCapacityDropPercent, 0)).toBe(true);
    const rebuilt = evolve(before, parseEvent(canonicalJson(decide(before, record, SIM_AUTHORITY))));
    expect(rebuilt.config).toStrictEqual(state.config);
  });

  it.each([
    ['ASCII', 'a', 1],
    ['2-byte', '\u00e9', 2],
    ['3-byte', '\u20ac', 3],
    ['a surrogate pair', '\u{1F600}', 4],
    ['a lone high surrogate', '\ud800', 3],
    ['a lone low surrogate', '\udc00', 3],
    ['two high surrogates', '\ud800\ud800', 6],
    ['a reversed pair', 'x\udc00\ud800y', 8],
  ])('utf8ByteLength counts %s as UTF-8 writes it (a lone surrogate as U+FFFD)', (_, text, bytes) => {
    expect(utf8ByteLength(text)).toBe(bytes);
  });

  it('the size limit is counted in bytes, not characters, on a record of a million characters', () => {
    const threeByte = '\u20ac'.repeat(LIMITS.commandBytesMax / 3 + 1);
    expect(threeByte.length).toBeLessThan(LIMITS.commandBytesMax);
    expect(parseCommand(`"${threeByte}"`, ENDPOINT)).toMatchObject({ ok: false, detail: `the record is ${3 * threeByte.length + 2} bytes; commandBytesMax is ${LIMITS.commandBytesMax}` });
    const huge = ' '.repeat(1024 * 1024);
    expect(parseCommand(huge, ENDPOINT)).toMatchObject({ ok: false, detail: `the record is ${huge.length} bytes; commandBytesMax is ${LIMITS.commandBytesMax}` });
  });
});
