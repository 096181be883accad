import { parseArgs } from 'node:util';
import type { BackendSchema } from '@plan-fabric/actors';
import { textToName, type DnsName } from './dns-wire';
import { DEFAULT_DNS_SERVER_OPTIONS } from './dns-server';

export interface DnsSettings {
  readonly host: string;
  /** UDP and TCP port; 0 picks a free one (logged in `dns started`). */
  readonly port: number;
  /** Which DNS backend answers: `dns` (the fabric's, written by fenced enactors) or `naive` (the demo's naive control plane). */
  readonly backend: BackendSchema;
  /** The zone answered for, `<endpoint>.<zone>`; a bare `<endpoint>` is answered too. */
  readonly zone: string;
  /** TTL of NXDOMAIN and empty answers (the SOA minimum). */
  readonly negativeTtl: number;
  readonly tcp: boolean;
}

/** Each backend's zone by default, so two faces side by side never answer the same name differently. */
export const DEFAULT_ZONES: Readonly<Record<BackendSchema, string>> = { dns: 'fabric.internal.', naive: 'naive.internal.' };

export const DEFAULT_DNS_SETTINGS: DnsSettings = {
  host: DEFAULT_DNS_SERVER_OPTIONS.host,
  port: DEFAULT_DNS_SERVER_OPTIONS.port,
  backend: 'dns',
  zone: DEFAULT_ZONES.dns,
  negativeTtl: 5,
  tcp: true,
};

export const DNS_USAGE = `usage: node --import tsx apps/dns/src/main.ts [--port N] [--backend dns|naive] [--zone NAME] [--host ADDR] [--negative-ttl S] [--udp-only]

An authoritative DNS server for the endpoints' record sets: answers A and AAAA
queries for <endpoint>.<zone> (and a bare <endpoint>) from the DNS backend in
Postgres, with the plan's TTL; NXDOMAIN for an endpoint it does not know,
NOERROR with no answer for a known endpoint with nothing live (or only the
other address family), REFUSED for names outside the zone.

Options:
  --port N          UDP and TCP port (default ${DEFAULT_DNS_SETTINGS.port}; 0 picks a free one, see the log)
  --backend B       dns: the fabric's backend (dns.record_sets, endpoints registered in fabric.endpoints)
                    naive: the naive control plane's (naive.record_sets, endpoints with a naive plan)
                    (default ${DEFAULT_DNS_SETTINGS.backend})
  --zone NAME       zone answered for (default ${DEFAULT_ZONES.dns} for dns, ${DEFAULT_ZONES.naive} for naive)
  --host ADDR       interface to bind (default ${DEFAULT_DNS_SETTINGS.host})
  --negative-ttl S  TTL of negative answers, the SOA minimum (default ${DEFAULT_DNS_SETTINGS.negativeTtl})
  --udp-only        do not serve DNS over TCP

Try it: dig @127.0.0.1 -p <port> <endpoint>.<zone> A`;

/** Settings from command-line arguments (the `fabric dns` subcommand and apps/dns/src/main.ts take the same ones). */
export function readDnsSettings(args: readonly string[]): DnsSettings {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string' },
      backend: { type: 'string' },
      zone: { type: 'string' },
      host: { type: 'string' },
      'negative-ttl': { type: 'string' },
      'udp-only': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(' ')}`);
  const backend = values.backend ?? DEFAULT_DNS_SETTINGS.backend;
  if (backend !== 'dns' && backend !== 'naive') throw new Error(`--backend must be dns or naive (got '${backend}')`);
  const settings: DnsSettings = {
    host: values.host ?? DEFAULT_DNS_SETTINGS.host,
    port: intIn('port', values.port, DEFAULT_DNS_SETTINGS.port, 0, 65_535),
    backend,
    zone: values.zone ?? DEFAULT_ZONES[backend],
    negativeTtl: intIn('negative-ttl', values['negative-ttl'], DEFAULT_DNS_SETTINGS.negativeTtl, 0, 86_400),
    tcp: !(values['udp-only'] ?? false),
  };
  zoneName(settings.zone);
  return settings;
}

/** The zone as lower-case labels; at least one label (the root zone would swallow every name). */
export function zoneName(zone: string): DnsName {
  let name: DnsName;
  try {
    name = textToName(zone);
  } catch {
    throw new Error(`--zone '${zone}' is not a domain name`);
  }
  if (name.length === 0) throw new Error('--zone must not be the root: name a zone such as fabric.internal.');
  if (!name.every((label) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(label))) throw new Error(`--zone '${zone}': labels are letters, digits and dashes`);
  return name.map((label) => label.toLowerCase());
}

function intIn(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer in ${min}..${max} (got '${text}')`);
  return value;
}
