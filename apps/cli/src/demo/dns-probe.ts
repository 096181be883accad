import { Resolver } from 'node:dns/promises';
import { sleep } from '@plan-fabric/actors';

/** What one query through a real resolver got. */
export type DnsAnswerKind = 'records' | 'empty' | 'nxdomain' | 'failed';

export interface DnsProbeSample {
  readonly atMs: number;
  readonly kind: DnsAnswerKind;
  /** The A records, in the order served (kind 'records'). */
  readonly addresses: readonly string[];
  readonly ttl: number | null;
  /** The resolver's error code for 'failed' (ETIMEOUT, ESERVFAIL, ECONNREFUSED …). */
  readonly error: string | null;
}

export interface DnsProbeResult {
  /** The name asked, `<endpoint>.<zone>`. */
  readonly name: string;
  readonly port: number;
  readonly queries: number;
  readonly withRecords: number;
  /** NOERROR without records, or NXDOMAIN, after the first answer with records: clients resolve nothing (the outage, seen through DNS). */
  readonly emptyAfterLive: number;
  /** The same before the first plan went live (nothing decided yet: not an outage). */
  readonly emptyBeforeLive: number;
  readonly nxdomain: number;
  readonly failed: number;
  readonly last: DnsProbeSample | null;
}

/**
 * Asks the DNS face for the endpoint's A records every `everyMs` through
 * node's resolver (c-ares, the library behind `dns.resolve4`), the way a
 * client of the endpoint would, and tallies what came back. `onChange` hears
 * each change of the kind of answer, or of the addresses.
 */
export class DnsProbe {
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private readonly resolver = new Resolver({ timeout: 500, tries: 1 });
  private queries = 0;
  private withRecords = 0;
  private emptyAfterLive = 0;
  private emptyBeforeLive = 0;
  private nxdomain = 0;
  private failed = 0;
  private live = false;
  private last: DnsProbeSample | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly everyMs: number,
    private readonly onChange: (sample: DnsProbeSample, previous: DnsProbeSample | null) => void = () => undefined,
  ) {
    this.resolver.setServers([`127.0.0.1:${port}`]);
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<DnsProbeResult> {
    this.stopping.abort();
    this.resolver.cancel();
    await this.running;
    return this.result();
  }

  result(): DnsProbeResult {
    return {
      name: this.name,
      port: this.port,
      queries: this.queries,
      withRecords: this.withRecords,
      emptyAfterLive: this.emptyAfterLive,
      emptyBeforeLive: this.emptyBeforeLive,
      nxdomain: this.nxdomain,
      failed: this.failed,
      last: this.last,
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const startedAt = Date.now();
      const sample = await this.ask();
      if (this.stopping.signal.aborted) break;
      this.record(sample);
      await sleep(Math.max(0, this.everyMs - (Date.now() - startedAt)), this.stopping.signal);
    }
  }

  private async ask(): Promise<DnsProbeSample> {
    try {
      const records = await this.resolver.resolve4(this.name, { ttl: true });
      return { atMs: Date.now(), kind: 'records', addresses: records.map((record) => record.address), ttl: records[0]?.ttl ?? null, error: null };
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      const kind: DnsAnswerKind = code === 'ENODATA' ? 'empty' : code === 'ENOTFOUND' ? 'nxdomain' : 'failed';
      return { atMs: Date.now(), kind, addresses: [], ttl: null, error: kind === 'failed' ? code : null };
    }
  }

  private record(sample: DnsProbeSample): void {
    const previous = this.last;
    this.queries++;
    if (sample.kind === 'records') {
      this.withRecords++;
      this.live = true;
    } else if (sample.kind === 'failed') {
      this.failed++;
    } else {
      if (sample.kind === 'nxdomain') this.nxdomain++;
      if (this.live) this.emptyAfterLive++;
      else this.emptyBeforeLive++;
    }
    const changed =
      previous === null || previous.kind !== sample.kind || previous.addresses.join(',') !== sample.addresses.join(',') || previous.error !== sample.error;
    this.last = sample;
    if (changed) this.onChange(sample, previous);
  }
}
