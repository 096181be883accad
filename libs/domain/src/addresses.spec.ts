import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, isIPv4, isIPv6, isIpAddress } from './addresses';

// Node's own parser is the oracle (zone ids aside: a DNS record holds no '%eth0').
const CANDIDATES = [
  '0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.01', '01.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.-4',
  ' 1.2.3.4', '1.2.3.4\n', '0x1.2.3.4', '١.٢.٣.٤',
  '::', '::1', '1::', '::ffff:1.2.3.4', '::ffff:01.2.3.4', '1.2.3.4::', '::1.2.3.4:5', '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::2:3:4:5:6:7', '1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '2001:DB8::AbCd', '2001:db8:0:0:0:0:0:1', '12345::1', '00000::1', '0000::1',
  '1::2::3', ':::', '1:::2', ':1::', '::1:', 'g::1', '1:2:3:4:5:6:7', '[::1]', '', ':', '.',
];

describe('IP address checks agree with node:net', () => {
  it.each(CANDIDATES)('%j', (text) => {
    const family = isIP(text);
    expect({ v4: isIPv4(text), v6: isIPv6(text), any: isIpAddress(text) }).toEqual({ v4: family === 4, v6: family === 6, any: family !== 0 });
  });
});

describe('canonicalAddress: one spelling per address', () => {
  it.each([
    ['2001:db8::1', '2001:0DB8:0000:0:0:0:0:0001'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['::1', '0::0:1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ])('%s is %s', (a, b) => {
    expect(canonicalAddress(a)).toBe(canonicalAddress(b));
  });

  it.each([
    ['2001:db8::1', '2001:db8::2'],
    ['192.0.2.1', '::ffff:192.0.2.1'],
    ['1::', '::1'],
  ])('%s is not %s', (a, b) => {
    expect(canonicalAddress(a)).not.toBe(canonicalAddress(b));
  });

  it('leaves IPv4 as it is', () => {
    expect(canonicalAddress('192.0.2.1')).toBe('192.0.2.1');
  });
});
