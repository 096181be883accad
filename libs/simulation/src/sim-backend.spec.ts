import { describe, expect, it } from 'vitest';
import { unfencedBackend } from './broken';
import { backendViolation, SimDnsBackend } from './sim-backend';

const records = [{ address: '10.0.0.1', weight: 1 }];

describe('SimDnsBackend: the real fence, in memory', () => {
  it('serves later activations, repeats the same one idempotently, refuses earlier ones', () => {
    const backend = new SimDnsBackend();
    expect(backend.write({ activation: 1, generation: 1, records }, 'e1')).toEqual({ accepted: true, heldActivation: null, empty: false });
    expect(backend.write({ activation: 3, generation: 3, records }, 'e2').accepted).toBe(true);
    expect(backend.write({ activation: 3, generation: 3, records }, 'e3').accepted).toBe(true);
    expect(backend.write({ activation: 2, generation: 2, records }, 'e1')).toEqual({ accepted: false, heldActivation: 3, empty: false });
    expect(backend.served).toMatchObject({ activation: 3, generation: 3 });
    expect([backend.accepted, backend.refused]).toEqual([3, 1]);
  });

  it('refuses an empty record set before the fence', () => {
    const backend = new SimDnsBackend();
    expect(backend.write({ activation: 1, generation: 1, records: [] }, 'e1')).toEqual({ accepted: false, heldActivation: null, empty: true });
    expect(backend.served).toBeNull();
  });

  it('with the fence broken, a stale write lands and invariant 8 says so', () => {
    const backend = new SimDnsBackend(unfencedBackend);
    backend.write({ activation: 5, generation: 5, records }, 'e2');
    const before = backend.served;
    backend.write({ activation: 2, generation: 2, records }, 'e1');
    expect(backendViolation(before, backend.served)).toMatch(/moved back from activation 5 .* to activation 2/);
  });
});

describe('backendViolation: invariant 8 over one write', () => {
  const served = (activation: number, recordCount = 1) => ({ activation, generation: activation, records: records.slice(0, recordCount), writer: 'e1' });
  it('holds for the first write and for any write that keeps or raises the activation', () => {
    expect(backendViolation(null, served(1))).toBeNull();
    expect(backendViolation(served(1), served(1))).toBeNull();
    expect(backendViolation(served(1), served(4))).toBeNull();
  });
  it('breaks on an empty or vanished record set, or a lower activation', () => {
    expect(backendViolation(served(2), served(3, 0))).toMatch(/empty record set/);
    expect(backendViolation(served(2), null)).toMatch(/vanished/);
    expect(backendViolation(served(3), served(2))).toMatch(/moved back/);
    expect(backendViolation(null, served(1, 0))).toMatch(/empty/);
  });
});
