import { describe, expect, it } from 'vitest';
import { LogMap } from './log-map';

describe('LogMap', () => {
  it('behaves as an immutable map: older versions keep what they saw', () => {
    const a = LogMap.empty<string, number>().with('x', 1).with('y', 2);
    const b = a.with('x', 10);
    const c = b.with('z', 3);
    expect([...a]).toEqual([['x', 1], ['y', 2]]);
    expect([...b]).toEqual([['x', 10], ['y', 2]]);
    expect([...c]).toEqual([['x', 10], ['y', 2], ['z', 3]]);
    expect([a.size, b.size, c.size]).toEqual([2, 2, 3]);
    expect(a.get('x')).toBe(1);
    expect(a.has('z')).toBe(false);
  });

  it('branches from an older version without disturbing the newer one', () => {
    const base = LogMap.empty<string, number>().with('x', 1);
    const left = base.with('l', 1);
    const right = base.with('r', 2);
    expect([...left]).toEqual([['x', 1], ['l', 1]]);
    expect([...right]).toEqual([['x', 1], ['r', 2]]);
    expect(left.has('r')).toBe(false);
    expect(right.has('l')).toBe(false);
  });

  it('iterates like a Map with the same operations', () => {
    const ops: [string, number][] = [['a', 1], ['b', 2], ['a', 3], ['c', 4], ['b', 5]];
    const map = new Map<string, number>();
    let log = LogMap.empty<string, number>();
    for (const [key, value] of ops) {
      map.set(key, value);
      log = log.with(key, value);
    }
    expect([...log.entries()]).toEqual([...map.entries()]);
    expect([...log.keys()]).toEqual([...map.keys()]);
    expect([...log.values()]).toEqual([...map.values()]);
    expect(log.size).toBe(map.size);
  });

  it('adds to the newest version in constant time: 200,000 additions stay linear', () => {
    let log = LogMap.empty<number, number>();
    for (let i = 0; i < 200_000; i++) log = log.with(i, i);
    expect(log.size).toBe(200_000);
    expect(log.get(123_456)).toBe(123_456);
  });
});
