/**
 * What an actor did, as machine-readable facts: one JSON object per line on
 * stdout (logs go to stderr), so a parent process — the demo — can count
 * claims, writes, refusals and deletes without parsing log text.
 */
export type ActivityFields = Readonly<Record<string, string | number | boolean | null>>;

export interface ActivityReport extends ActivityFields {
  readonly activity: string;
  readonly actor: string;
  readonly atMs: number;
}

export interface Reporter {
  report(activity: string, fields?: ActivityFields): void;
}

/** Writes each activity as a JSON line to `write` (stdout by default). */
export function jsonLinesReporter(actor: string, write: (line: string) => void = (line) => process.stdout.write(line)): Reporter {
  return {
    report(activity, fields = {}) {
      const line: ActivityReport = { activity, actor, atMs: Date.now(), ...fields };
      write(`${JSON.stringify(line)}\n`);
    },
  };
}

/** Keeps reports in memory (tests). */
export class RecordingReporter implements Reporter {
  readonly reports: { activity: string; fields: ActivityFields }[] = [];

  report(activity: string, fields: ActivityFields = {}): void {
    this.reports.push({ activity, fields });
  }

  count(activity: string, where: (fields: ActivityFields) => boolean = () => true): number {
    return this.reports.filter((r) => r.activity === activity && where(r.fields)).length;
  }
}

/** Parses one line a jsonLinesReporter wrote; null for anything else (a stray log line, a partial line). */
export function parseActivityLine(line: string): ActivityReport | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as Partial<ActivityReport>;
    return typeof value.activity === 'string' && typeof value.actor === 'string' && typeof value.atMs === 'number'
      ? (value as ActivityReport)
      : null;
  } catch {
    return null;
  }
}

export const NULL_REPORTER: Reporter = { report: () => undefined };
