import { describe, expect, it } from 'vitest';
import type { PlanRecord } from './commands';
import { applyPlan, attempt, deletePlan, given, proposePlan, registerEndpoint, weights, confirmApplied } from './testing/decider';

describe('RegisterEndpoint', () => {
  it('registers the endpoint with its enactors and guards', () => {
    const outcome = given()
      .when(registerEndpoint({ enactors: ['az-a', 'az-b', 'az-c'], quorum: 2, minValidPlans: 3, maxCapacityDropPercent: 25 }))
      .then({
        type: 'EndpointRegistered',
        data: { enactors: ['az-a', 'az-b', 'az-c'], quorum: 2, minValidPlans: 3, maxCapacityDropPercent: 25 },
      });
    expect(outcome.after.config).toEqual(outcome.event.data);
    expect([...outcome.after.confirmed]).toEqual([
      ['az-a', null],
      ['az-b', null],
      ['az-c', null],
    ]);
  });

  it.each([
    ['quorum 1 and drop 0%', { quorum: 1, maxCapacityDropPercent: 0 }],
    ['quorum equal to the enactors and drop 100%', { quorum: 3, maxCapacityDropPercent: 100 }],
    ['one enactor', { enactors: ['solo'], quorum: 1 }],
    ['a large minValidPlans', { minValidPlans: 1000 }],
  ])('accepts the boundaries: %s', (_, payload) => {
    given().when(registerEndpoint(payload)).then({ type: 'EndpointRegistered', data: registerEndpoint(payload).payload as never });
  });

  it('ALREADY_REGISTERED, checked before the new payload is judged', () => {
    given(registerEndpoint()).when(registerEndpoint()).thenRejected('ALREADY_REGISTERED', "endpoint 'ep-1' is already registered");
    given(registerEndpoint()).when(registerEndpoint({ enactors: [] })).thenRejected('ALREADY_REGISTERED');
  });

  it.each([
    ['no enactors', { enactors: [] }, 'no enactors'],
    ['repeated enactor ids', { enactors: ['e1', 'e2', 'e1'] }, 'repeated enactor ids'],
    ['quorum 0', { quorum: 0 }, 'quorum 0 is outside 1..3'],
    ['quorum -1', { quorum: -1 }, 'quorum -1 is outside 1..3'],
    ['quorum above the enactors', { quorum: 4 }, 'quorum 4 is outside 1..3'],
    ['quorum not an integer', { quorum: 1.5 }, 'quorum 1.5 is outside 1..3'],
    ['minValidPlans 0', { minValidPlans: 0 }, 'minValidPlans 0 is below 1 or not an integer'],
    ['minValidPlans not an integer', { minValidPlans: 1.5 }, 'minValidPlans 1.5 is below 1 or not an integer'],
    ['drop percent below 0', { maxCapacityDropPercent: -1 }, 'maxCapacityDropPercent -1 is outside 0..100 or not an integer'],
    ['drop percent above 100', { maxCapacityDropPercent: 101 }, 'maxCapacityDropPercent 101 is outside 0..100 or not an integer'],
    ['drop percent not an integer', { maxCapacityDropPercent: 12.5 }, 'maxCapacityDropPercent 12.5 is outside 0..100 or not an integer'],
  ])('INVALID_REGISTRATION: %s', (_, payload, detail) => {
    given().when(registerEndpoint(payload)).thenRejected('INVALID_REGISTRATION', detail);
  });

  it('a rejected registration can be followed by a valid one', () => {
    given(attempt(registerEndpoint({ quorum: 9 })))
      .when(registerEndpoint())
      .then({ type: 'EndpointRegistered', data: registerEndpoint().payload as never });
  });
});

describe('ProposePlan', () => {
  const registered = () => given(registerEndpoint());

  it('stores the plan as proposed', () => {
    const records: PlanRecord[] = [
      { address: '192.0.2.10', weight: 3 },
      { address: '2001:db8::10', weight: 1 },
    ];
    const outcome = registered().when(proposePlan(7, { records, ttl: 300 })).then({ type: 'PlanProposed', data: { generation: 7, records, ttl: 300 } });
    expect(outcome.after.plans.get(7)).toEqual({ generation: 7, records, ttl: 300, totalWeight: 4, deleted: false, proposedSeq: 2 });
    expect(outcome.after.highestProposed).toBe(7);
  });

  it('generations may skip numbers', () => {
    given(registerEndpoint(), proposePlan(1))
      .when(proposePlan(5))
      .then({ type: 'PlanProposed', data: { generation: 5, records: weights(100), ttl: 60 } });
  });

  it.each([
    ['the largest safe integer generation', 2 ** 53 - 1, weights(1), 60],
    ['ttl 1', 1, weights(1), 1],
    ['ttl 86400', 1, weights(1), 86400],
    ['the IPv6 loopback', 1, [{ address: '::1', weight: 1 }], 60],
    ['an IPv4-mapped IPv6 address', 1, [{ address: '::ffff:192.0.2.1', weight: 1 }], 60],
    ['the same host as IPv4 and as IPv4-mapped IPv6 (an A and an AAAA record)', 1, [
      { address: '192.0.2.1', weight: 1 },
      { address: '::ffff:192.0.2.1', weight: 1 },
    ], 60],
    ['a large weight', 1, weights(2 ** 40), 60],
  ])('accepts the boundaries: %s', (_, generation, records, ttl) => {
    registered().when(proposePlan(generation, { records, ttl })).then({ type: 'PlanProposed', data: { generation, records, ttl } });
  });

  describe('INVALID_PLAN', () => {
    it.each([
      ['generation 0', 0, 'generation 0 is not a positive safe integer'],
      ['generation -1', -1, 'generation -1 is not a positive safe integer'],
      ['generation 1.5', 1.5, 'generation 1.5 is not a positive safe integer'],
      ['generation 2^53', 2 ** 53, 'generation 9007199254740992 is not a positive safe integer'],
    ])('%s', (_, generation, detail) => {
      registered().when(proposePlan(generation)).thenRejected('INVALID_PLAN', detail);
    });

    it('no records', () => {
      registered().when(proposePlan(1, { records: [] })).thenRejected('INVALID_PLAN', 'the plan has no records');
    });

    it.each([
      '256.0.0.1',
      '192.0.2',
      '192.0.2.1.5',
      '192.0.2.01',
      '192.0.2.1 ',
      ' 192.0.2.1',
      '+1.2.3.4',
      '',
      'db.example.com',
      'localhost',
      '1:2:3',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':::',
      '12345::1',
      'g::1',
      'fe80::1%eth0',
      '1.2.3.4::',
      '::1.2.3.4:5',
      '::ffff:256.1.1.1',
      '[::1]',
    ])('bad address %j', (address) => {
      registered()
        .when(proposePlan(1, { records: [{ address, weight: 1 }] }))
        .thenRejected('INVALID_PLAN', `'${address}' is not an IPv4 or IPv6 address`);
    });

    it.each([
      ['the same IPv4 address twice', '192.0.2.1', '192.0.2.1'],
      ['the same IPv6 address twice', '2001:db8::1', '2001:db8::1'],
      ['one IPv6 address in two spellings', '2001:db8::1', '2001:0DB8:0:0:0:0:0:1'],
      ['one IPv4-mapped address in two spellings', '::ffff:192.0.2.1', '::ffff:c000:201'],
    ])('a repeated address: %s', (_, first, second) => {
      registered()
        .when(proposePlan(1, { records: [{ address: first, weight: 1 }, { address: '198.51.100.1', weight: 1 }, { address: second, weight: 1 }] }))
        .thenRejected('INVALID_PLAN', `address ${second} is repeated`);
    });

    it.each([
      ['weight 0', 0],
      ['weight 1.5', 1.5],
      ['weight -2', -2],
      ['weight 2^53', 2 ** 53],
    ])('%s', (_, weight) => {
      registered()
        .when(proposePlan(1, { records: [...weights(5), { address: '198.51.100.7', weight }] }))
        .thenRejected('INVALID_PLAN', `weight ${weight} of 198.51.100.7 is not a positive integer`);
    });

    it.each([
      ['ttl 0', 0],
      ['ttl 86401', 86401],
      ['ttl -60', -60],
      ['ttl 1.5', 1.5],
    ])('%s', (_, ttl) => {
      registered().when(proposePlan(1, { ttl })).thenRejected('INVALID_PLAN', `ttl ${ttl} is outside 1..86400`);
    });

    it('is checked before GENERATION_NOT_INCREASING', () => {
      given(registerEndpoint(), proposePlan(5)).when(proposePlan(3, { records: [] })).thenRejected('INVALID_PLAN');
    });
  });

  describe('GENERATION_NOT_INCREASING', () => {
    it('the same generation again (under a new command id)', () => {
      given(registerEndpoint(), proposePlan(4))
        .when(proposePlan(4))
        .thenRejected('GENERATION_NOT_INCREASING', 'generation 4 is not above the highest proposed, 4');
    });

    it('a lower generation', () => {
      given(registerEndpoint(), proposePlan(1), proposePlan(4)).when(proposePlan(2)).thenRejected('GENERATION_NOT_INCREASING');
    });

    it('the highest proposed counts even when it was deleted: a deleted generation is never reused', () => {
      given(
        registerEndpoint({ quorum: 1 }),
        proposePlan(1),
        proposePlan(2),
        applyPlan(2),
        confirmApplied(2),
        deletePlan(1),
      )
        .when(proposePlan(1))
        .thenRejected('GENERATION_NOT_INCREASING');
    });

    it('a rejected proposal does not raise the highest proposed', () => {
      given(registerEndpoint(), proposePlan(1), attempt(proposePlan(9, { ttl: 0 })))
        .when(proposePlan(2))
        .then({ type: 'PlanProposed', data: { generation: 2, records: weights(100), ttl: 60 } });
    });
  });
});
