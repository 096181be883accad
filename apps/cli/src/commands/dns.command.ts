import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { DnsFaceProcess } from '../demo/dns-face-process';

const ZONES = { dns: 'fabric.internal.', naive: 'naive.internal.' } as const;

export const dnsCommand: CliCommand = {
  name: 'dns',
  summary: 'serve the DNS backend as authoritative DNS on loopback (dig @127.0.0.1 -p 5353 <endpoint>.fabric.internal)',
  help: `usage: fabric dns [--port N] [--backend dns|naive] [--zone NAME] [--negative-ttl S] [--udp-only]

Runs the DNS face (apps/dns) in the foreground until Ctrl-C: an authoritative
DNS server on 127.0.0.1 answering A and AAAA queries for <endpoint>.<zone>
(and a bare <endpoint>) from the DNS backend in Postgres, with the plan's TTL.
Every query reads Postgres (no cache), so an answer is what the backend holds
at that moment.

  known endpoint, records live     NOERROR, the A / AAAA records (TTL: the plan's)
  known endpoint, nothing live     NOERROR, no answer (and the zone's SOA)
  (or only the other family)
  unknown endpoint                 NXDOMAIN
  name outside the zone            REFUSED
  backend unreadable               SERVFAIL

Options:
  --port N          UDP and TCP port (default 5353; 0 picks a free one, shown in the log).
                    5353 is also mDNS: if an mDNS responder holds it, pick another port.
  --backend B       dns   the fabric's backend: dns.record_sets, written by fenced enactors;
                          an endpoint is known once registered (fabric.endpoints)
                    naive the naive control plane's backend of \`npm run demo\`: naive.record_sets
                    (default dns)
  --zone NAME       zone answered for (default ${ZONES.dns} for dns, ${ZONES.naive} for naive)
  --negative-ttl S  TTL of negative answers, the SOA minimum (default 5)
  --udp-only        no DNS over TCP (TCP serves answers too large for UDP)

Try:  dig @127.0.0.1 -p 5353 <endpoint>.fabric.internal A
Needs Postgres (DATABASE_URL) with the migrations applied (the projector or \`npm run demo\` applies them).`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      port: { type: 'string' },
      backend: { type: 'string' },
      zone: { type: 'string' },
      'negative-ttl': { type: 'string' },
      'udp-only': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`fabric dns takes no arguments (got ${positionals.join(' ')})`);
    const backend = values.backend ?? 'dns';
    if (backend !== 'dns' && backend !== 'naive') throw new UsageError(`--backend must be dns or naive (got '${backend}')`);
    const port = intOption('port', values.port, 5353);
    if (port > 65_535) throw new UsageError('--port must be at most 65535');
    const extra = [
      ...(values['negative-ttl'] === undefined ? [] : ['--negative-ttl', String(intOption('negative-ttl', values['negative-ttl'], 5))]),
      ...(values['udp-only'] === true ? ['--udp-only'] : []),
    ];
    let face: DnsFaceProcess;
    try {
      face = await DnsFaceProcess.start({ backend, zone: values.zone ?? ZONES[backend], port, echo: true, extraArgs: extra }, process.env);
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    process.stderr.write(`DNS face: ${face.describe()}; Ctrl-C stops it\n  try: dig @127.0.0.1 -p ${face.port} <endpoint>.${face.zoneName} A\n`);
    // Ctrl-C is handled by the CLI's interrupt handler, which stops the face and exits.
    const code = await face.exited();
    return code === 0 ? 0 : 1;
  },
};
