import type { FabricEvent } from '@plan-fabric/domain';
import { auditPassed, type EndpointAudit } from './audit-run';
import { viewOf, type StateAt } from './checks';

/** Longest record text shown in full; longer ones are shown around their first difference. */
const SHOWN_CHARS_MAX = 2_000;

/** One line per endpoint: records, events, and each check's verdict. */
export function formatAuditTable(audits: readonly EndpointAudit[]): string {
  const header = ['endpoint', 'records', 'events', 'replay', 'chain', 'seq', 'projection'];
  const rows = audits.map((audit) => [
    audit.endpointId,
    String(audit.commandRecords),
    String(audit.eventRecords),
    replayCell(audit),
    audit.chain.ok ? `ok (${audit.chain.links} links)` : `BROKEN at seq ${audit.chain.firstBreak?.seq ?? '?'}`,
    audit.sequence.ok ? 'ok' : `BROKEN at seq ${audit.sequence.firstGap?.expected ?? '?'}`,
    projectionCell(audit),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 1 || column === 2 ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function replayCell(audit: EndpointAudit): string {
  const { replay } = audit;
  if (replay.problem !== null) return 'FAILED';
  if (replay.divergence !== null) return `DIVERGES at seq ${replay.divergence.seq}`;
  return replay.pending > 0 ? `ok (${replay.pending} pending)` : 'ok';
}

function projectionCell(audit: EndpointAudit): string {
  const projection = audit.projection;
  if (projection === null) return '(not checked)';
  if (projection.problem !== null) return projection.problem.startsWith('the rebuild refused') ? 'REBUILD REFUSED' : 'NOT COMPARABLE';
  if (projection.difference !== null) return `DIFFERS in ${projection.difference.table}`;
  return projection.note !== null ? `ok up to seq ${projection.comparedSeq}` : 'ok';
}

/** What went wrong, where: the first divergence, break, gap and row difference of each endpoint, with the bytes. */
export function formatAuditDetails(audits: readonly EndpointAudit[]): string {
  const lines: string[] = [];
  for (const audit of audits) {
    const id = audit.endpointId;
    const { replay, chain, sequence, projection } = audit;
    if (replay.problem !== null) lines.push(`${id}: replay failed: ${replay.problem}`);
    const divergence = replay.divergence;
    if (divergence !== null) {
      const command = divergence.commandOffset === null ? 'no command record left to decide' : `command offset ${divergence.commandOffset}`;
      const event = divergence.eventOffset === null ? 'the event log ended' : `events topic offset ${divergence.eventOffset}`;
      lines.push(`${id}: replay diverges at event seq ${divergence.seq} (${command}; ${event}), first difference at character ${divergence.at}`);
      lines.push(`  expected: ${shown(divergence.expected, divergence.at, '(nothing: every decided command record has its event)')}`);
      lines.push(`  found:    ${shown(divergence.found, divergence.at, '(nothing: the event log ends here)')}`);
    }
    if (replay.ok && replay.decidedEnd.from === 'event log' && audit.commandRecords > 0) {
      lines.push(`${id}: note: no committed sequencer offset, so records after the last event count as pending; a removed last event would not show`);
    }
    const chainBreak = chain.firstBreak;
    if (chainBreak !== null) {
      lines.push(`${id}: hash chain broken at seq ${chainBreak.seq ?? '(none)'} (events topic offset ${chainBreak.eventOffset}), after ${chain.links} good links`);
      lines.push(`  expected prevHash: ${chainBreak.expected}`);
      lines.push(`  found prevHash:    ${chainBreak.found ?? '(none)'}`);
    }
    const gap = sequence.firstGap;
    if (gap !== null) lines.push(`${id}: event seq not contiguous at events topic offset ${gap.eventOffset}: expected seq ${gap.expected}, found ${gap.found ?? '(none)'}`);
    if (projection !== null) {
      if (projection.problem !== null) lines.push(`${id}: projection: ${projection.problem}`);
      const difference = projection.difference;
      if (difference !== null) {
        lines.push(`${id}: projection differs from its rebuild (compared up to seq ${projection.comparedSeq}): first in fabric.${difference.table} row ${difference.key}, column ${difference.column}`);
        lines.push(`  rebuilt from the events: ${difference.expected}`);
        lines.push(`  live table:              ${difference.found}`);
      }
      if (projection.note !== null) lines.push(`${id}: note: ${projection.note}`);
    }
  }
  return lines.join('\n');
}

/** The closing line: how many endpoints passed. */
export function formatAuditSummary(audits: readonly EndpointAudit[], schema: string | null, kept: boolean): string {
  const failed = audits.filter((audit) => !auditPassed(audit)).length;
  const rebuilt = schema === null ? '' : kept ? `; rebuild kept in schema ${schema}` : `; rebuild schema ${schema} dropped`;
  return `${audits.length - failed} of ${audits.length} endpoints passed, ${failed} failed${rebuilt}`;
}

/** An endpoint's state as of one event, for --at-seq. */
export function formatStateAt(endpointId: string, at: StateAt): string {
  const view = viewOf(at.state);
  const list = (values: readonly number[]) => (values.length === 0 ? '-' : ranges(values));
  const config = view.registered
    ? `enactors ${view.enactors.join(', ')}; quorum ${view.quorum}; minValidPlans ${view.minValidPlans}; maxCapacityDropPercent ${view.maxCapacityDropPercent}`
    : 'not registered';
  const confirmations = view.confirmed.map(([enactor, generation]) => `${enactor} ${generation ?? '-'}`).join(', ');
  const chain = at.chain.ok
    ? `ok (${at.chain.links} links from seq 1)`
    : `BROKEN at seq ${at.chain.firstBreak?.seq ?? '?'}: expected prevHash ${at.chain.firstBreak?.expected}, found ${at.chain.firstBreak?.found ?? '(none)'}`;
  const lines = [
    `endpoint ${endpointId} as of seq ${view.lastEventSeq} (${describeEvent(at.event)}; command offset ${at.event.commandOffset}, events topic offset ${at.eventOffset})`,
    `  registration:     ${config}`,
    `  active plan:      ${view.active === null ? 'none' : `generation ${view.active.generation} (activation ${view.active.activation})`}`,
    `  valid plans:      ${list(view.validGenerations)}`,
    `  deleted plans:    ${list(view.deletedGenerations)}`,
    `  pending plans:    ${list(view.pendingGenerations)}`,
    `  highest proposed: ${view.highestProposed}`,
    `  confirmations:    ${confirmations === '' ? '-' : confirmations}${view.active === null ? '' : ` (${view.confirmationsOfActive} of quorum ${view.quorum} on the active plan)`}`,
    `  event hash:       ${view.lastEventHash} (the prevHash of seq ${view.lastEventSeq + 1})`,
    `  hash chain:       ${chain}`,
  ];
  for (const violation of at.violations) lines.push(`  INVARIANT ${violation.invariant} broken at seq ${violation.seq}: ${violation.message}`);
  return lines.join('\n');
}

function describeEvent(event: FabricEvent): string {
  switch (event.type) {
    case 'CommandRejected':
      return `CommandRejected ${event.data.reason}`;
    case 'CommandDuplicated':
      return `CommandDuplicated of offset ${event.data.firstOffset}`;
    case 'EndpointRegistered':
      return 'EndpointRegistered';
    case 'PlanActivated':
      return `PlanActivated ${event.data.generation} by ${event.data.by.role} ${event.data.by.id}`;
    case 'PlanConfirmed':
      return `PlanConfirmed ${event.data.generation} by ${event.data.enactorId}`;
    case 'ActorKeyRegistered':
      return `ActorKeyRegistered ${event.data.actor.role}:${event.data.actor.id} ${event.data.publicKey.slice(0, 12)}…`;
    case 'ActorKeyRevoked':
      return `ActorKeyRevoked ${event.data.publicKey.slice(0, 12)}…`;
    default:
      return `${event.type} ${event.data.generation}`;
  }
}

/** Ascending generations as runs: 1-498, 500. */
function ranges(values: readonly number[]): string {
  const runs: string[] = [];
  for (let start = 0; start < values.length; ) {
    let end = start;
    while (end + 1 < values.length && (values[end + 1] as number) === (values[end] as number) + 1) end++;
    runs.push(end === start ? String(values[start]) : `${values[start]}-${values[end]}`);
    start = end + 1;
  }
  return runs.join(', ');
}

function shown(text: string | null, at: number, none: string): string {
  if (text === null) return none;
  if (text.length <= SHOWN_CHARS_MAX) return text;
  const from = Math.max(0, at - SHOWN_CHARS_MAX / 2);
  const to = Math.min(text.length, from + SHOWN_CHARS_MAX);
  return `${from > 0 ? `…(${from} chars) ` : ''}${text.slice(from, to)}${to < text.length ? ` …(${text.length - to} more chars)` : ''}`;
}
