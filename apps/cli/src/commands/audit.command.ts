import type { Pool } from 'pg';
import {
  AUDIT_LIMITS,
  auditEndpoints,
  auditPassed,
  auditStateAt,
  formatAuditDetails,
  formatAuditSummary,
  formatAuditTable,
  formatStateAt,
  listEndpoints,
  type AuditContext,
  type AuditLimits,
} from '@plan-fabric/audit';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { createPool } from '@plan-fabric/db';
import { authorityFrom } from '@plan-fabric/identity';
import { createKafka, topicNames } from '@plan-fabric/kafka';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { kafkaProblem, postgresProblem } from '../services/preflight';

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'replay, hash-chain and projection checks of endpoint logs; state as of any event',
  help: `usage: fabric audit (--endpoint E… | --all) [--no-projection] [--keep] [--progress-every N] [--read-timeout-ms N]
       fabric audit --endpoint E --at-seq N

Checks each endpoint's two logs, read committed from Kafka to their end:
  replay      the command log replayed through decide reproduces the event log
              byte for byte (invariant 6); else the first divergence: event seq,
              command offset, events topic offset, expected and found bytes.
              Records past the sequencer's committed offset are pending, not
              compared.
  chain       every event's prevHash is the SHA-256 of the event before it as
              recorded; else the first broken link (an edited, reordered or
              removed event): seq, expected and found prevHash.
  seq         the events are numbered 1, 2, 3… without gaps or repeats.
  projection  the projection rebuilt from the events topic into a fresh Postgres
              schema (audit_<time>, by the projector's own code) equals the live
              fabric rows (invariant 7); else the first differing row and column.
              A projector that is behind is compared up to where it is.
Prints a table, one line per endpoint, then the details of every failure.
Exit code: 0 every check passed, 1 a check failed (or Kafka/Postgres did not
answer), 2 bad arguments.

--at-seq N prints the endpoint's state as of event seq N instead (active plan,
valid, deleted and pending generations, confirmations, the event hash) and
whether the hash chain holds up to it; exit 1 if it does not.

Options:
  --endpoint E          an endpoint id (repeatable)
  --all                 every endpoint with a command topic under FABRIC_TOPIC_PREFIX
                        (narrowed by FABRIC_ENDPOINTS)
  --no-projection       skip the projection check (no Postgres needed)
  --keep                keep the rebuild schema for inspection (its name is printed)
  --progress-every N    a progress line on stderr every N records (default ${AUDIT_LIMITS.progressEvery}; 0: none)
  --read-timeout-ms N   longest wait to read one topic to its end (default ${AUDIT_LIMITS.readTimeoutMs})

Environment: KAFKA_BROKERS, DATABASE_URL, FABRIC_TOPIC_PREFIX, FABRIC_ENDPOINTS, LOG_LEVEL.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      endpoint: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      'at-seq': { type: 'string' },
      'no-projection': { type: 'boolean' },
      keep: { type: 'boolean' },
      'progress-every': { type: 'string' },
      'read-timeout-ms': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals.join(' ')} (name endpoints with --endpoint)`);
    const named = values.endpoint ?? [];
    const all = values.all ?? false;
    if (all === (named.length > 0)) throw new UsageError('name the endpoints with --endpoint E, or audit every one with --all');
    const atSeq = values['at-seq'] === undefined ? null : intOption('at-seq', values['at-seq'], 0);
    if (atSeq !== null && (all || named.length !== 1)) throw new UsageError('--at-seq shows one endpoint: use it with exactly one --endpoint');
    if (atSeq !== null && atSeq < 1) throw new UsageError('--at-seq must be 1 or more (event seqs start at 1)');
    const limits: AuditLimits = {
      ...AUDIT_LIMITS,
      progressEvery: intOption('progress-every', values['progress-every'], AUDIT_LIMITS.progressEvery),
      readTimeoutMs: intOption('read-timeout-ms', values['read-timeout-ms'], AUDIT_LIMITS.readTimeoutMs),
    };
    const projection = atSeq === null && !(values['no-projection'] ?? false);

    const config = loadConfig();
    const kafkaDown = await kafkaProblem(config);
    if (kafkaDown !== null) {
      process.stderr.write(`${kafkaDown}\n`);
      return 1;
    }
    const logger = createLogger('audit', config.logLevel === 'info' ? 'warn' : config.logLevel);
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    const kafka = createKafka(config, 'fabric-audit', logger, 'audit');
    const admin = kafka.admin();
    let pool: Pool | null = null;
    try {
      await admin.connect();
      if (projection) {
        pool = createPool(config, logger, { maxConnections: 2, applicationName: 'fabric-audit', statementTimeoutMs: 600_000 });
        const postgresDown = await postgresProblem(pool, config);
        if (postgresDown !== null) {
          process.stderr.write(`${postgresDown} (or audit with --no-projection)\n`);
          return 1;
        }
      }
      const names = topicNames(config.topicPrefix);
      const context: AuditContext = { kafka, admin, pool, prefix: config.topicPrefix, names, logger, authority: authorityFrom(config) };
      const known = await listEndpoints(admin, names, all ? config.endpointFilter : null);
      const endpoints = all ? known : named;
      const missing = endpoints.filter((id) => !known.includes(id));
      if (missing.length > 0) {
        process.stderr.write(`no command topic for ${missing.map((id) => `'${id}' (${names.commands(id)})`).join(', ')}; is FABRIC_TOPIC_PREFIX (${config.topicPrefix}) right?\n`);
        return 1;
      }

      if (atSeq !== null) {
        const endpointId = endpoints[0] as string;
        const at = await auditStateAt(context, endpointId, atSeq, limits, progress).catch((error: unknown) => {
          if (error instanceof RangeError) throw new UsageError(error.message);
          throw error;
        });
        process.stdout.write(`${formatStateAt(endpointId, at)}\n`);
        return at.chain.ok && at.violations.length === 0 ? 0 : 1;
      }

      if (endpoints.length === 0) {
        process.stdout.write(`no endpoints under prefix '${config.topicPrefix}'${config.endpointFilter === null ? '' : ` matching FABRIC_ENDPOINTS=${config.endpointFilter.source}`}\n`);
        return 0;
      }
      process.stdout.write(
        `fabric audit: ${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} under prefix '${config.topicPrefix}'` +
          `${projection ? '' : ' (projection not checked)'}\n\n`,
      );
      const keep = values.keep ?? false;
      const { audits, schema } = await auditEndpoints(context, endpoints, { projection, keepSchema: keep, limits, progress });
      const details = formatAuditDetails(audits);
      process.stdout.write(`${formatAuditTable(audits)}\n\n${details === '' ? '' : `${details}\n\n`}${formatAuditSummary(audits, schema, keep)}\n`);
      return audits.every(auditPassed) ? 0 : 1;
    } finally {
      await admin.disconnect().catch(() => undefined);
      await pool?.end().catch(() => undefined);
    }
  },
};
