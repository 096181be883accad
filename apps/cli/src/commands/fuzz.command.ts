import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, loadConfig } from '@plan-fabric/config';
import { intOption, parseOptions, type CliCommand } from '../cli/cli-command';
import { REPO_ROOT } from '../repo-root';
import { kafkaProblem } from '../services/preflight';

/** Defaults of `fabric fuzz`: the pure run's size, and Kafka off unless asked for. */
export const FUZZ_COMMAND_DEFAULTS = { count: 20_000, kafka: 0, hangMs: 50, outcomeWaitMs: 120_000 } as const;

// The sequencer is an application and has no import alias: the edge run loads the real one, in this
// process, from its entry file (the way tests start it), rather than through a copy or a child process.
const SEQUENCER_ENTRY = resolve(REPO_ROOT, 'apps/sequencer/src/index.ts');

export const fuzzCommand: CliCommand = {
  name: 'fuzz',
  summary: 'hostile records through decide, and through Kafka to a running sequencer',
  help: `usage: fabric fuzz [--seed N] [--count N] [--kafka N] [--hang-ms N] [--largest-record] [--keep-topics] [--verbose]

Feeds seeded hostile command records to the decision core and checks every
decision: random bytes, truncated and 10,000-deep JSON, huge strings and
arrays, wrong types, numbers beyond 2^53 (1e309, -0), unusual Unicode (lone
surrogates, NUL, BOM), unknown fields and command types ('__proto__'),
duplicate keys, records just over and far over commandBytesMax (64 KiB),
redeliveries, and random edits of valid commands. Valid commands are signed
(each episode's operator registers the actors' simulation keys through the
log first); signatures are attacked too: missing, truncated, garbage or
malleated, swapped between commands, copied from another endpoint, replayed
later under the same id, signed by a revoked key, by another actor's key,
by the trust root for a non-operator command; and the operator's key
changes (RegisterActorKey, RevokeActorKey), valid and not.

Each record must give exactly one event that passes its JSON Schema, reads
back unchanged and keeps the invariants; a rejection may change nothing but
the log position; a broken type is MALFORMED, a well-typed value out of range
is the command's own reason; no decision may take longer than --hang-ms; and
replaying each endpoint's log reproduces its events byte for byte.

Options:
  --seed N          PRNG seed (default: a fresh one, printed); the same seed gives the same records
  --count N         hostile records through the pure decide (default ${FUZZ_COMMAND_DEFAULTS.count}; 0 skips it)
  --kafka N         also send N hostile records (plus the setup and size probes) through
                    real Kafka to a fresh endpoint with a sequencer running in this process,
                    and check the event, dead-letter and command logs (default ${FUZZ_COMMAND_DEFAULTS.kafka})
  --hang-ms N       a decision taking more CPU time than this (best of three) is a hang (default ${FUZZ_COMMAND_DEFAULTS.hangMs})
  --largest-record  with --kafka: also send, last, a record of the largest size Kafka accepts
  --keep-topics     with --kafka: keep the fuzzed endpoint's topics (deleted at the end by default)
  --verbose         show the sequencer's logs

Prints progress on stderr, then a table: inputs by category, outcomes by
reason, the costliest decision (CPU time) and inputs per second. Exit code 0 when nothing
broke; 1 on any violation, printed with the seed and the input to reproduce it
(full records in test-output/fuzz-<seed>-violations.jsonl); 2 bad arguments.
--kafka needs the stack: \`npm run stack:up\`.`,
  async run(args) {
    const { values } = parseOptions(args, {
      seed: { type: 'string' },
      count: { type: 'string' },
      kafka: { type: 'string' },
      'hang-ms': { type: 'string' },
      'largest-record': { type: 'boolean' },
      'keep-topics': { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const seed = intOption('seed', values.seed, randomInt(2 ** 31));
    const count = intOption('count', values.count, FUZZ_COMMAND_DEFAULTS.count);
    const kafka = intOption('kafka', values.kafka, FUZZ_COMMAND_DEFAULTS.kafka);
    const hangMs = intOption('hang-ms', values['hang-ms'], FUZZ_COMMAND_DEFAULTS.hangMs);
    // Loaded on use: the other subcommands do not pay for the fuzzer's imports.
    const fuzz = await import('@plan-fabric/fuzz');
    const out = (text: string) => process.stdout.write(`${text}\n`);
    const note = (text: string) => process.stderr.write(`fuzz: ${text}\n`);
    const found: object[] = [];
    out(`fabric fuzz --seed ${seed} --count ${count}${kafka > 0 ? ` --kafka ${kafka}` : ''}`);

    if (count > 0) {
      const started = Date.now();
      const report = fuzz.runFuzz({
        seed,
        count,
        hangMs,
        onProgress: (done, total) => note(`${Math.round((100 * done) / total)}% (${done} of ${total} records, ${((Date.now() - started) / 1000).toFixed(0)} s)`),
      });
      out('');
      out(fuzz.formatFuzzReport(report));
      if (report.violationCount > 0) {
        out('');
        out(fuzz.formatFuzzViolations(report));
        found.push(...report.violations);
      }
    }

    if (kafka > 0) {
      // The fuzzer forges and over-sizes records and reads the dead letters back: a test harness, it runs as the
      // Kafka super user; its sequencer authenticates as 'sequencer' and is held to that principal's ACLs.
      const loaded = loadConfig();
      const config = { ...loaded, kafkaAuth: loaded.kafkaAuth.withDefaultPrincipal('admin') };
      const down = await kafkaProblem(config);
      if (down !== null) {
        process.stderr.write(`${down}\n`);
        return 1;
      }
      const { startSequencer } = (await import(SEQUENCER_ENTRY)) as { startSequencer: import('@plan-fabric/fuzz').SequencerStarter };
      const level = values.verbose ? config.logLevel : 'error';
      const endpointId = `fuzz-${seed}-${Date.now().toString(36)}`;
      note(`sending ${kafka} hostile records to endpoint ${endpointId} (topics prefix ${config.topicPrefix}) with a sequencer in this process …`);
      const report = await fuzz.runEdgeFuzz({
        config,
        logger: createLogger('fuzz', level),
        seed,
        count: kafka,
        endpointId,
        startSequencer: (sequencerConfig) => startSequencer(sequencerConfig, createLogger('sequencer', level)),
        largestRecordProbe: values['largest-record'] ?? false,
        keepTopics: values['keep-topics'] ?? false,
        outcomeWaitMs: values['largest-record'] ? 30_000 : FUZZ_COMMAND_DEFAULTS.outcomeWaitMs,
        onProgress: note,
      });
      out('');
      out(fuzz.formatEdgeReport(report));
      if (report.violations.length > 0) {
        out('');
        out(fuzz.formatEdgeViolations(report));
        found.push(...report.violations);
      }
    }

    if (found.length === 0) {
      out('\nno violations');
      return 0;
    }
    const file = resolve(REPO_ROOT, 'test-output', `fuzz-${seed}-violations.jsonl`);
    mkdirSync(resolve(REPO_ROOT, 'test-output'), { recursive: true });
    writeFileSync(file, found.map((violation) => JSON.stringify(violation)).join('\n') + '\n');
    out(`\n${found.length} violation(s) kept; every record in full: ${file}`);
    return 1;
  },
};
