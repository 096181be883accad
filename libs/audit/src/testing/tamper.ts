import type { LogRecord } from '../checks';

/**
 * Ways to tamper with a COPY of a log, for the audit's own tests: each returns
 * new records and never changes its input. Offsets stay where they were, as
 * they would in a copied topic.
 */

/** Replaces the value of the record at `index` by `edit(value)`. */
export function editRecord(records: readonly LogRecord[], index: number, edit: (value: string) => string): LogRecord[] {
  return records.map((record, i) => (i === index ? { ...record, value: edit(record.value ?? '') } : record));
}

/** Swaps the values of the records at `i` and `j` (the offsets keep their places). */
export function swapRecords(records: readonly LogRecord[], i: number, j: number): LogRecord[] {
  return records.map((record, k) => (k === i ? { ...record, value: records[j]?.value ?? null } : k === j ? { ...record, value: records[i]?.value ?? null } : record));
}

/** Drops the record at `index`. */
export function removeRecord(records: readonly LogRecord[], index: number): LogRecord[] {
  return records.filter((_, i) => i !== index);
}

/** Replaces the first occurrence of `from` by `to` in the record at `index`; fails if it is not there (the tamper must bite). */
export function replaceIn(records: readonly LogRecord[], index: number, from: string, to: string): LogRecord[] {
  return editRecord(records, index, (value) => {
    if (!value.includes(from)) throw new Error(`record ${index} does not contain ${JSON.stringify(from)}: ${value}`);
    return value.replace(from, to);
  });
}
