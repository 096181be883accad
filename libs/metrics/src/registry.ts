/**
 * A small metrics registry rendering the Prometheus text exposition format
 * 0.0.4: counters, gauges and histograms with fixed buckets, each with a fixed
 * list of label names. No dependency; one registry per process (or per test).
 */

export type Labels = Readonly<Record<string, string>>;

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** The content type a /metrics response carries. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus' default buckets (seconds): 5 ms to 10 s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series<T> {
  readonly values: readonly string[];
  data: T;
}

abstract class Metric<T> {
  private readonly series = new Map<string, Series<T>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: MetricType,
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`metric name '${name}' is not a valid Prometheus name`);
    const seen = new Set<string>();
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`metric ${name}: label name '${label}' is not valid`);
      if (seen.has(label)) throw new Error(`metric ${name}: label '${label}' is listed twice`);
      if (type === 'histogram' && label === 'le') throw new Error(`metric ${name}: 'le' is reserved for histogram buckets`);
      seen.add(label);
    }
  }

  /** Forgets one series (an endpoint no longer served); true if it existed. */
  remove(labels: Labels = {}): boolean {
    return this.series.delete(this.key(this.labelValues(labels)));
  }

  /** Forgets every series. */
  reset(): void {
    this.series.clear();
  }

  /** Text exposition lines of this metric, HELP and TYPE first. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    if (this.series.size === 0 && this.labelNames.length === 0) {
      lines.push(...this.sampleLines([], this.initial()));
      return lines;
    }
    const ordered = [...this.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, series] of ordered) lines.push(...this.sampleLines(series.values, series.data));
    return lines;
  }

  protected abstract initial(): T;
  protected abstract sampleLines(values: readonly string[], data: T): string[];

  protected seriesOf(labels: Labels): Series<T> {
    const values = this.labelValues(labels);
    const key = this.key(values);
    let series = this.series.get(key);
    if (series === undefined) {
      series = { values, data: this.initial() };
      this.series.set(key, series);
    }
    return series;
  }

  protected peek(labels: Labels): T | undefined {
    return this.series.get(this.key(this.labelValues(labels)))?.data;
  }

  /** `{a="x",b="y"}` for the given values (plus extra pairs, such as `le`), or '' without labels. */
  protected labelText(values: readonly string[], extra: readonly (readonly [string, string])[] = []): string {
    const pairs = [...this.labelNames.map((name, index) => [name, values[index] ?? ''] as const), ...extra];
    return pairs.length === 0 ? '' : `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
  }

  private labelValues(labels: Labels): string[] {
    const names = Object.keys(labels);
    for (const name of names) {
      if (!this.labelNames.includes(name)) throw new Error(`metric ${this.name} has no label '${name}' (labels: ${this.labelNames.join(', ') || 'none'})`);
    }
    return this.labelNames.map((name) => {
      const value = labels[name];
      if (typeof value !== 'string') throw new Error(`metric ${this.name}: label '${name}' needs a string value`);
      return value;
    });
  }

  private key(values: readonly string[]): string {
    return values.join('\u0000');
  }
}

/** Only goes up (a process restart starts it again at 0; Prometheus' rate() handles that). */
export class Counter extends Metric<number> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!Number.isFinite(by) || by < 0) throw new Error(`counter ${this.name} can only go up by a finite amount (got ${by})`);
    this.seriesOf(labels).data += by;
  }

  get(labels: Labels = {}): number {
    return this.peek(labels) ?? 0;
  }

  protected initial(): number {
    return 0;
  }

  protected sampleLines(values: readonly string[], data: number): string[] {
    return [`${this.name}${this.labelText(values)} ${formatValue(data)}`];
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<number> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, 'gauge');
  }

  set(labels: Labels, value: number): void {
    this.seriesOf(labels).data = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.seriesOf(labels).data += by;
  }

  get(labels: Labels = {}): number | undefined {
    return this.peek(labels);
  }

  protected initial(): number {
    return 0;
  }

  protected sampleLines(values: readonly string[], data: number): string[] {
    return [`${this.name}${this.labelText(values)} ${formatValue(data)}`];
  }
}

interface HistogramData {
  /** Per bucket, observations ≤ its bound (not yet cumulative). */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into fixed, cumulative buckets, plus their sum and count. */
export class Histogram extends Metric<HistogramData> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS) {
    super(name, help, labelNames, 'histogram');
    const finite = buckets.filter((bound) => bound !== Infinity);
    if (finite.length === 0) throw new Error(`histogram ${name} needs at least one finite bucket`);
    for (let i = 0; i < finite.length; i++) {
      if (!Number.isFinite(finite[i]!)) throw new Error(`histogram ${name}: bucket ${finite[i]} is not a number`);
      if (i > 0 && finite[i]! <= finite[i - 1]!) throw new Error(`histogram ${name}: buckets must increase (${finite.join(', ')})`);
    }
    this.buckets = finite;
  }

  observe(labels: Labels, value: number): void {
    if (Number.isNaN(value)) return;
    const data = this.seriesOf(labels).data;
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) data.counts[index]! += 1;
    data.sum += value;
    data.count += 1;
  }

  /** Count and sum of a series (tests, diagnostics). */
  get(labels: Labels = {}): { count: number; sum: number } {
    const data = this.peek(labels);
    return { count: data?.count ?? 0, sum: data?.sum ?? 0 };
  }

  protected initial(): HistogramData {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  protected sampleLines(values: readonly string[], data: HistogramData): string[] {
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((bound, index) => {
      cumulative += data.counts[index]!;
      lines.push(`${this.name}_bucket${this.labelText(values, [['le', formatValue(bound)]])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${this.labelText(values, [['le', '+Inf']])} ${data.count}`);
    lines.push(`${this.name}_sum${this.labelText(values)} ${formatValue(data.sum)}`);
    lines.push(`${this.name}_count${this.labelText(values)} ${data.count}`);
    return lines;
  }
}

/** Holds the metrics of a process and renders them all. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** The whole registry in the text format 0.0.4 (metrics in registration order, series sorted), ending with a newline. */
  render(): string {
    const lines = [...this.metrics.values()].flatMap((metric) => metric.render());
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private add<M extends Counter | Gauge | Histogram>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

/** Sample values: integers as such, +Inf / -Inf / NaN spelled the Prometheus way. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
