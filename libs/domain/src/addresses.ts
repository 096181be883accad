/** Textual IPv4 (dotted quad, no leading zeros) and IPv6 (RFC 4291 forms) checks. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

export function isIPv6(text: string): boolean {
  if (text.length > 45) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): string[] | null => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === null || tail === null) return false;
  const all = [...head, ...tail];
  let count = all.length;
  // Only the text's final group may be an embedded IPv4 address: in '1.2.3.4::' it is not final.
  const last = halves.length === 2 ? tail[tail.length - 1] : all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1; // an embedded IPv4 address fills two groups
  }
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIpAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/**
 * One spelling per address, to tell repeated addresses: IPv4 as is (isIPv4 admits
 * no leading zeros), IPv6 as eight lower-case groups without leading zeros, so
 * '2001:db8::1' and '2001:0DB8:0:0:0:0:0:1' are the same. For valid addresses only.
 */
export function canonicalAddress(text: string): string {
  if (!isIPv6(text)) return text;
  const hex = (half: string): string[] =>
    half === ''
      ? []
      : half.split(':').flatMap((group) => {
          if (!group.includes('.')) return [group];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
        });
  const [head = '', tail] = text.split('::');
  const left = hex(head);
  const right = tail === undefined ? [] : hex(tail);
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16)).join(':');
}
