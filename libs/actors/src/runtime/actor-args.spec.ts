import { describe, expect, it } from 'vitest';
import { ActorArgs } from './actor-args';

describe('ActorArgs', () => {
  it('reads --name value and --name=value, flags before the environment, the environment before defaults', () => {
    const args = new ActorArgs(['--endpoint', 'e1', '--stall-ms=3000'], { FABRIC_ENDPOINT: 'from-env', ENACTOR_APPLY_MS: '40' });
    expect(args.text('endpoint', 'FABRIC_ENDPOINT')).toBe('e1');
    expect(args.count('stall-ms', 'ENACTOR_STALL_MS', 0)).toBe(3000);
    expect(args.count('apply-ms', 'ENACTOR_APPLY_MS', 0)).toBe(40);
    expect(args.count('claim-delay-ms', 'ENACTOR_CLAIM_DELAY_MS', 7)).toBe(7);
  });

  it('refuses what it cannot use: a missing required setting, a bad number, an unknown flag, a flag without value', () => {
    expect(() => new ActorArgs([], {}).text('actor', 'FABRIC_ACTOR_ID')).toThrow(/--actor \(or FABRIC_ACTOR_ID\) is required/);
    expect(() => new ActorArgs(['--keep', '-1'], {}).count('keep', 'JANITOR_KEEP', 2)).toThrow(/whole number/);
    expect(() => new ActorArgs(['--kep', '1'], {}).assertOnly(['keep'])).toThrow(/unknown settings: --kep/);
    expect(() => new ActorArgs(['--keep'], {})).toThrow(/--keep needs a value/);
    expect(() => new ActorArgs(['keep'], {})).toThrow(/unexpected argument/);
  });
});
