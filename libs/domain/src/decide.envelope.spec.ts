import { describe, expect, it } from 'vitest';
import { LIMITS, parseCommand, type Actor, type Command } from './commands';
import {
  ENDPOINT,
  applyPlan,
  attempt,
  confirmApplied,
  deletePlan,
  enactor,
  given,
  janitor,
  operator,
  operatorActivate,
  planner,
  proposePlan,
  raw,
  registerEndpoint,
  type RawRecord,
} from './testing/decider';
import { signAsSim } from './sim-identities';

type Doc = Record<string, unknown>;

/** A well-formed ApplyPlan by registered enactor e1, as a plain JSON document to break. */
const wellFormed = (): Doc => ({
  commandId: 'c-1',
  endpointId: ENDPOINT,
  actor: { role: 'enactor', id: 'e1' },
  type: 'ApplyPlan',
  payload: { generation: 1 },
});

/** The changed document, signed where it can be (a document too broken to sign goes unsigned: MALFORMED comes first). */
const broken = (change: (doc: Doc) => void, start: Doc = wellFormed()): RawRecord => {
  const doc = structuredClone(start);
  change(doc);
  try {
    return raw(JSON.stringify(signAsSim(doc as unknown as Command)));
  } catch {
    return raw(JSON.stringify(doc));
  }
};
const payloadOf = (doc: Doc) => doc['payload'] as Doc;
const actorOf = (doc: Doc) => doc['actor'] as Doc;
const asDoc = (command: Command): Doc => JSON.parse(JSON.stringify(command)) as Doc;

const registered = () => given(registerEndpoint(), proposePlan(1));

describe('MALFORMED: a record that is not a command', () => {
  it.each([
    ['not JSON', raw('{"commandId": "c-1",')],
    ['not JSON at all', raw('hello')],
    ['an empty value', raw('')],
    ['a record with no value (null)', raw(null)],
    ['JSON null', raw('null')],
    ['a JSON array', raw('[]')],
    ['a JSON number', raw('42')],
  ])('%s', (_, record) => {
    registered()
      .when(record)
      .thenRejected('MALFORMED')
      .then({
        type: 'CommandRejected',
        data: { reason: 'MALFORMED', detail: expect.any(String) as string, commandType: null, actor: null },
        commandId: null,
      });
  });

  it('names the record by its offset even when it has no readable command id', () => {
    const outcome = registered().when(raw('{{{')).thenRejected('MALFORMED');
    expect(outcome.event.commandId).toBeNull();
    expect(outcome.event.commandOffset).toBe(2);
    expect(outcome.event.seq).toBe(3);
  });

  it("does not copy the engine's JSON.parse message: the detail is the same on every Node version", () => {
    registered().when(raw('{"a":}')).thenRejected('MALFORMED', 'not JSON: "{\\"a\\":}"');
    registered()
      .when(raw(`{${'x'.repeat(100)}`))
      .thenRejected('MALFORMED', `not JSON: "{${'x'.repeat(31)}"…`);
  });

  describe('the envelope', () => {
    it.each<[string, RawRecord]>([
      ['commandId missing', broken((d) => delete d['commandId'])],
      ['commandId a number', broken((d) => (d['commandId'] = 7))],
      ['commandId null', broken((d) => (d['commandId'] = null))],
      ['commandId empty', broken((d) => (d['commandId'] = ''))],
      ['commandId longer than idLengthMax', broken((d) => (d['commandId'] = 'c'.repeat(LIMITS.idLengthMax + 1)))],
      ['type missing', broken((d) => delete d['type'])],
      ['type a number', broken((d) => (d['type'] = 3))],
      ['type unknown', broken((d) => (d['type'] = 'DropAllPlans'))],
      ['type in the wrong case', broken((d) => (d['type'] = 'applyPlan'))],
      ['actor missing', broken((d) => delete d['actor'])],
      ['actor a string', broken((d) => (d['actor'] = 'e1'))],
      ['actor.role missing', broken((d) => delete actorOf(d)['role'])],
      ['actor.role unknown', broken((d) => (actorOf(d)['role'] = 'admin'))],
      ['actor.id missing', broken((d) => delete actorOf(d)['id'])],
      ['actor.id a number', broken((d) => (actorOf(d)['id'] = 1))],
      ['actor.id empty', broken((d) => (actorOf(d)['id'] = ''))],
      ['actor with an extra field', broken((d) => (actorOf(d)['admin'] = true))],
      ['endpointId missing', broken((d) => delete d['endpointId'])],
      ['endpointId a number', broken((d) => (d['endpointId'] = 1))],
      ['endpointId not an endpoint name', broken((d) => (d['endpointId'] = 'EP 1'))],
      ['payload missing', broken((d) => delete d['payload'])],
      ['payload null', broken((d) => (d['payload'] = null))],
      ['payload an array', broken((d) => (d['payload'] = [1]))],
      ['an unknown extra envelope field', broken((d) => (d['priority'] = 'high'))],
    ])('%s', (_, record) => {
      registered().when(record).thenRejected('MALFORMED');
    });

    it('an endpointId of another endpoint: the command is on the wrong log', () => {
      registered()
        .when(broken((d) => (d['endpointId'] = 'ep-2')))
        .thenRejected('MALFORMED', /endpointId 'ep-2' does not belong on the log of endpoint 'ep-1'/);
    });
  });

  describe('the payload: a field missing or of the wrong JSON type', () => {
    const register = asDoc(registerEndpoint());
    const propose = asDoc(proposePlan(1));
    const activate = asDoc(operatorActivate(1));
    it.each<[string, RawRecord]>([
      ['RegisterEndpoint without quorum', broken((d) => delete payloadOf(d)['quorum'], register)],
      ['RegisterEndpoint without enactors', broken((d) => delete payloadOf(d)['enactors'], register)],
      ['RegisterEndpoint without minValidPlans', broken((d) => delete payloadOf(d)['minValidPlans'], register)],
      ['RegisterEndpoint without maxCapacityDropPercent', broken((d) => delete payloadOf(d)['maxCapacityDropPercent'], register)],
      ['RegisterEndpoint enactors a string', broken((d) => (payloadOf(d)['enactors'] = 'e1'), register)],
      ['RegisterEndpoint an enactor id a number', broken((d) => (payloadOf(d)['enactors'] = ['e1', 2]), register)],
      ['RegisterEndpoint quorum a string', broken((d) => (payloadOf(d)['quorum'] = '2'), register)],
      ['RegisterEndpoint maxCapacityDropPercent null', broken((d) => (payloadOf(d)['maxCapacityDropPercent'] = null), register)],
      ['ProposePlan without ttl', broken((d) => delete payloadOf(d)['ttl'], propose)],
      ['ProposePlan without records', broken((d) => delete payloadOf(d)['records'], propose)],
      ['ProposePlan without generation', broken((d) => delete payloadOf(d)['generation'], propose)],
      ['ProposePlan generation a string', broken((d) => (payloadOf(d)['generation'] = '1'), propose)],
      ['ProposePlan records an object', broken((d) => (payloadOf(d)['records'] = { address: '192.0.2.1', weight: 1 }), propose)],
      ['ProposePlan a record without weight', broken((d) => (payloadOf(d)['records'] = [{ address: '192.0.2.1' }]), propose)],
      ['ProposePlan a weight a string', broken((d) => (payloadOf(d)['records'] = [{ address: '192.0.2.1', weight: '1' }]), propose)],
      ['ProposePlan an address a number', broken((d) => (payloadOf(d)['records'] = [{ address: 3221225985, weight: 1 }]), propose)],
      ['ProposePlan ttl a boolean', broken((d) => (payloadOf(d)['ttl'] = true), propose)],
      ['ApplyPlan without generation', broken((d) => delete payloadOf(d)['generation'])],
      ['ApplyPlan generation a string', broken((d) => (payloadOf(d)['generation'] = '1'))],
      ['ApplyPlan generation null', broken((d) => (payloadOf(d)['generation'] = null))],
      ['OperatorActivate without reason', broken((d) => delete payloadOf(d)['reason'], activate)],
      ['OperatorActivate reason a number', broken((d) => (payloadOf(d)['reason'] = 42), activate)],
      ['OperatorActivate reason empty', broken((d) => (payloadOf(d)['reason'] = ''), activate)],
    ])('%s', (_, record) => {
      registered().when(record).thenRejected('MALFORMED', /payload: /);
    });

    it.each<[string, RawRecord]>([
      ['in the payload', broken((d) => (payloadOf(d)['force'] = true))],
      ['in a plan record', broken((d) => (payloadOf(d)['records'] = [{ address: '192.0.2.1', weight: 1, ttl: 5 }]), propose)],
      ['in a RegisterEndpoint payload', broken((d) => (payloadOf(d)['janitors'] = []), register)],
    ])('an unknown extra field %s', (_, record) => {
      registered().when(record).thenRejected('MALFORMED', /must NOT have additional properties/);
    });

    it.each<[string, RawRecord]>([
      [`more than ${LIMITS.planRecordsMax} records`, broken((d) => (payloadOf(d)['records'] = Array.from({ length: LIMITS.planRecordsMax + 1 }, (_, i) => ({ address: `10.0.${i >> 8}.${i & 255}`, weight: 1 }))), propose)],
      [`more than ${LIMITS.enactorsMax} enactors`, broken((d) => (payloadOf(d)['enactors'] = Array.from({ length: LIMITS.enactorsMax + 1 }, (_, i) => `e${i}`)), register)],
      ['an address longer than any IP address', broken((d) => (payloadOf(d)['records'] = [{ address: '1'.repeat(65), weight: 1 }]), propose)],
    ])('beyond a limit: %s', (_, record) => {
      registered().when(record).thenRejected('MALFORMED');
    });

    it('a JSON number beyond a double (1e400) is still a number, but no signature can cover it: NOT_AUTHENTICATED, not a crash', () => {
      const text = JSON.stringify(signAsSim(proposePlan(2))).replace('"generation":2', '"generation":1e400');
      expect(text).toContain('1e400');
      registered().when(raw(text)).thenRejected('NOT_AUTHENTICATED', /no canonical JSON/);
    });
  });

  describe(`an oversized record (commandBytesMax ${LIMITS.commandBytesMax} bytes of UTF-8)`, () => {
    /** A valid ApplyPlan padded with JSON white space to exactly `bytes` bytes, or with a multi-byte reason. */
    const padded = (bytes: number): RawRecord => {
      const text = JSON.stringify(signAsSim(wellFormed() as unknown as Command));
      return raw(text + ' '.repeat(bytes - text.length));
    };

    it('exactly commandBytesMax bytes is decided as a command', () => {
      registered().when(padded(LIMITS.commandBytesMax)).then({
        type: 'PlanActivated',
        data: { generation: 1, activation: 1, previousGeneration: null, by: enactor('e1'), reason: null },
      });
    });

    it('one byte more is MALFORMED, before it is even parsed', () => {
      registered()
        .when(padded(LIMITS.commandBytesMax + 1))
        .thenRejected('MALFORMED', `the record is ${LIMITS.commandBytesMax + 1} bytes; commandBytesMax is ${LIMITS.commandBytesMax}`)
        .then({ type: 'CommandRejected', data: expect.objectContaining({ commandType: null, actor: null }) as never, commandId: null });
    });

    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      const reason = '🔥'.repeat(256); // 512 code units, 1024 bytes
      const text = JSON.stringify(asDoc(operatorActivate(1, reason)));
      const bytesBefore = Buffer.byteLength(text, 'utf8');
      const record = raw(text + ' '.repeat(LIMITS.commandBytesMax + 1 - bytesBefore));
      expect(record.raw!.length).toBeLessThanOrEqual(LIMITS.commandBytesMax);
      expect(Buffer.byteLength(record.raw!, 'utf8')).toBe(LIMITS.commandBytesMax + 1);
      registered().when(record).thenRejected('MALFORMED', /bytes; commandBytesMax/);
    });
  });

  describe('what a rejection echoes of a malformed record', () => {
    it('the readable command id, type and actor', () => {
      registered()
        .when(broken((d) => (payloadOf(d)['generation'] = 'one')))
        .then({
          type: 'CommandRejected',
          commandId: 'c-1',
          data: { reason: 'MALFORMED', detail: 'ApplyPlan payload: /generation must be number', commandType: 'ApplyPlan', actor: enactor('e1') },
        });
    });

    it.each<[string, unknown]>([
      ['an empty actor id', { role: 'planner', id: '' }],
      ['an overlong actor id', { role: 'planner', id: 'p'.repeat(LIMITS.idLengthMax + 50) }],
      ['an unknown role', { role: 'root', id: 'p' }],
    ])('no actor for %s (the event must still satisfy its schema)', (_, actor) => {
      const outcome = registered()
        .when(broken((d) => (d['actor'] = actor)))
        .thenRejected('MALFORMED');
      expect(outcome.event.type === 'CommandRejected' && outcome.event.data.actor).toBeNull();
    });

    it('an overlong command id, clipped so it can never equal a valid one', () => {
      const outcome = registered()
        .when(broken((d) => (d['commandId'] = 'c'.repeat(500))))
        .thenRejected('MALFORMED');
      expect(outcome.event.commandId).toBe(`${'c'.repeat(LIMITS.idLengthMax)}…`);
    });
  });

  it('parseCommand accepts each builder command and returns it unchanged', () => {
    for (const command of [registerEndpoint(), proposePlan(1), applyPlan(1), confirmApplied(1), deletePlan(1), operatorActivate(1)]) {
      expect(parseCommand(JSON.stringify(command), ENDPOINT)).toEqual({ ok: true, command });
    }
  });
});

describe('duplicates: a command id already decided', () => {
  it('records CommandDuplicated with the first offset, and changes nothing else', () => {
    const scenario = given(registerEndpoint(), proposePlan(1, {}, { id: 'propose-1' }), proposePlan(2));
    scenario.when(proposePlan(1, {}, { id: 'propose-1' })).thenDuplicate(1).then({
      type: 'CommandDuplicated',
      commandId: 'propose-1',
      data: { firstOffset: 1 },
    });
  });

  it('is a duplicate by id alone, whatever the redelivered record says', () => {
    given(registerEndpoint(), proposePlan(1, {}, { id: 'x' }))
      .when(deletePlan(7, { id: 'x' }))
      .thenDuplicate(1);
  });

  it('a rejected command redelivered is a duplicate, not rejected again', () => {
    given(registerEndpoint(), attempt(applyPlan(9, 'e1', { id: 'apply-9' })))
      .when(applyPlan(9, 'e1', { id: 'apply-9' }))
      .thenDuplicate(1);
  });

  it('a duplicate of a duplicate still names the first offset', () => {
    const id = { id: 'p1' };
    given(registerEndpoint(), proposePlan(1, {}, id), attempt(proposePlan(1, {}, id)))
      .when(proposePlan(1, {}, id))
      .thenDuplicate(1);
  });

  it('even a redelivered accepted RegisterEndpoint is a duplicate, not ALREADY_REGISTERED', () => {
    given(registerEndpoint({}, { id: 'reg' })).when(registerEndpoint({}, { id: 'reg' })).thenDuplicate(0);
  });

  it('a MALFORMED record with a readable command id does not decide that id: the corrected command is decided', () => {
    given(registerEndpoint(), attempt(broken((d) => (payloadOf(d)['generation'] = 'x'))))
      .when(broken(() => undefined))
      .thenRejected('UNKNOWN_PLAN'); // its own reason, not a duplicate
  });

  it('a MALFORMED record without a readable id decides nothing: the same bytes again are MALFORMED again', () => {
    given(registerEndpoint(), attempt(raw('not json'))).when(raw('not json')).thenRejected('MALFORMED');
  });
});

describe('UNKNOWN_ENDPOINT: every command but RegisterEndpoint needs a registered endpoint', () => {
  it.each<[string, Command]>([
    ['ProposePlan', proposePlan(1)],
    ['ApplyPlan', applyPlan(1)],
    ['ConfirmApplied', confirmApplied(1)],
    ['DeletePlan', deletePlan(1)],
    ['OperatorActivate', operatorActivate(1)],
  ])('%s', (_, command) => {
    given().when(command).thenRejected('UNKNOWN_ENDPOINT', "endpoint 'ep-1' is not registered");
  });

  it('still after a rejected registration', () => {
    given(attempt(registerEndpoint({ enactors: [] }))).when(proposePlan(1)).thenRejected('UNKNOWN_ENDPOINT');
  });
});

describe('NOT_AUTHORIZED', () => {
  const roles: Actor[] = [operator, planner, janitor, enactor('e1')];
  const commands: Array<[string, (actor: Actor) => Command]> = [
    ['RegisterEndpoint', (actor) => registerEndpoint({}, { actor })],
    ['ProposePlan', (actor) => proposePlan(2, {}, { actor })],
    ['ApplyPlan', (actor) => applyPlan(1, 'e1', { actor })],
    ['ConfirmApplied', (actor) => confirmApplied(1, 'e1', { actor })],
    ['DeletePlan', (actor) => deletePlan(1, { actor })],
    ['OperatorActivate', (actor) => operatorActivate(1, 'why', { actor })],
  ];
  const owner: Record<string, string> = {
    RegisterEndpoint: 'operator',
    ProposePlan: 'planner',
    ApplyPlan: 'enactor',
    ConfirmApplied: 'enactor',
    DeletePlan: 'janitor',
    OperatorActivate: 'operator',
  };
  const wrongRole = commands.flatMap(([type, make]) =>
    roles.filter((actor) => actor.role !== owner[type]).map((actor) => [type, actor.role, make(actor)] as const),
  );

  it.each(wrongRole)('%s from the %s', (type, role, command) => {
    given(registerEndpoint(), proposePlan(1))
      .when(command)
      .thenRejected('NOT_AUTHORIZED', `${type} is for the ${owner[type]}, not the ${role}`);
  });

  it.each([
    ['ApplyPlan', applyPlan(1, 'e9')],
    ['ConfirmApplied', confirmApplied(1, 'e9')],
  ])('%s from an enactor not registered for the endpoint', (_, command) => {
    given(registerEndpoint(), proposePlan(1))
      .when(command)
      .thenRejected('NOT_AUTHORIZED', "enactor 'e9' is not registered for endpoint 'ep-1'");
  });

  it('RegisterEndpoint of an unregistered endpoint from a planner (UNKNOWN_ENDPOINT does not apply to it)', () => {
    given().when(registerEndpoint({}, { actor: planner })).thenRejected('NOT_AUTHORIZED');
  });
});

describe('the order of the checks, where two could apply', () => {
  it('MALFORMED before duplicate: a decided id on a malformed record is MALFORMED', () => {
    given(registerEndpoint(), proposePlan(1, {}, { id: 'c-1' }))
      .when(broken((d) => (payloadOf(d)['generation'] = '1')))
      .thenRejected('MALFORMED');
  });

  it('duplicate before UNKNOWN_ENDPOINT', () => {
    given(attempt(proposePlan(1, {}, { id: 'early' })))
      .when(proposePlan(1, {}, { id: 'early' }))
      .thenDuplicate(0);
  });

  it('UNKNOWN_ENDPOINT before NOT_AUTHORIZED', () => {
    given().when(applyPlan(1, 'e1', { actor: janitor })).thenRejected('UNKNOWN_ENDPOINT');
    given().when(applyPlan(1, 'e9')).thenRejected('UNKNOWN_ENDPOINT');
  });

  it('NOT_AUTHORIZED before ALREADY_REGISTERED', () => {
    given(registerEndpoint()).when(registerEndpoint({}, { actor: janitor })).thenRejected('NOT_AUTHORIZED');
  });

  it('NOT_AUTHORIZED before INVALID_PLAN', () => {
    given(registerEndpoint())
      .when(proposePlan(0, { records: [] }, { actor: operator }))
      .thenRejected('NOT_AUTHORIZED');
  });

  it('NOT_AUTHORIZED (unregistered enactor) before UNKNOWN_PLAN', () => {
    given(registerEndpoint()).when(applyPlan(42, 'e9')).thenRejected('NOT_AUTHORIZED');
  });

  it('NOT_AUTHORIZED before DELETE_ACTIVE_PLAN', () => {
    given(registerEndpoint(), proposePlan(1), applyPlan(1))
      .when(deletePlan(1, { actor: planner }))
      .thenRejected('NOT_AUTHORIZED');
  });
});
