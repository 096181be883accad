import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Who a Kafka client is. Every service authenticates as its own principal
 * (SASL/SCRAM-SHA-512) and the broker's ACLs (libs/kafka/src/acl.ts) keep it
 * to its topics: only the sequencer writes events.
 *
 * - admin: the broker's super user (stack.sh, ACL grants, tests and the chaos driver, which forge records on purpose)
 * - sequencer: reads commands, writes events and dead letters, owns its transactional ids and groups
 * - planner, enactor, janitor, operator: write commands, read events (operator: the CLI, the scenario
 *   runner, the dashboard's operator actions, `fabric fuzz`)
 * - projector, dashboard, audit: read only
 * - naive: the naive comparison plane, which talks only to Postgres, so it may do nothing on Kafka
 */
export const KAFKA_PRINCIPALS = ['admin', 'sequencer', 'projector', 'planner', 'enactor', 'janitor', 'operator', 'dashboard', 'audit', 'naive'] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/** What kafkajs needs for SASL (its `sasl` option). */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** Name of the file `scripts/stack.sh up` writes into PLAN_FABRIC_HOME (mode 0600): `principal=password` lines. */
export const KAFKA_CREDENTIALS_FILE_NAME = 'kafka-credentials';

/**
 * Where a process finds its Kafka credentials; read from the environment by
 * loadConfig. Holds no password in an enumerable field, so a logged or
 * serialized config never shows one.
 *
 * - KAFKA_USERNAME with KAFKA_PASSWORD or KAFKA_PASSWORD_FILE: every client of
 *   the process authenticates as that user, whatever principal the code names
 *   (a deployment that gives each service its own secret).
 * - Otherwise the code names its principal and its password is read from
 *   KAFKA_CREDENTIALS_FILE (default $PLAN_FABRIC_HOME/kafka-credentials, the
 *   file stack.sh wrote). KAFKA_PRINCIPAL names the principal for code that
 *   names none (tools, tests).
 * - Neither: no SASL (a broker without authentication).
 */
export class KafkaAuthSettings {
  readonly #password: string | null;

  constructor(
    /** KAFKA_USERNAME: the one user of every client of this process, or null. */
    readonly username: string | null,
    password: string | null,
    /** KAFKA_PASSWORD_FILE: the password of KAFKA_USERNAME, read when a client is made (so a rotation needs only a restart). */
    readonly passwordFile: string | null,
    /** KAFKA_CREDENTIALS_FILE, or the stack's file in PLAN_FABRIC_HOME. */
    readonly credentialsFile: string,
    /** KAFKA_PRINCIPAL: the principal of clients whose code names none. */
    readonly defaultPrincipal: string | null,
  ) {
    this.#password = password;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KafkaAuthSettings {
    const text = (name: string) => {
      const value = env[name];
      return value === undefined || value === '' ? null : value;
    };
    const home = text('PLAN_FABRIC_HOME') ?? join(homedir(), '.cache', 'plan-fabric');
    return new KafkaAuthSettings(
      text('KAFKA_USERNAME'),
      text('KAFKA_PASSWORD'),
      text('KAFKA_PASSWORD_FILE'),
      text('KAFKA_CREDENTIALS_FILE') ?? join(home, KAFKA_CREDENTIALS_FILE_NAME),
      text('KAFKA_PRINCIPAL'),
    );
  }

  /** The same settings for another principal of clients that name none (an app that runs as one principal). */
  withDefaultPrincipal(principal: string): KafkaAuthSettings {
    return new KafkaAuthSettings(this.username, this.#password, this.passwordFile, this.credentialsFile, principal);
  }

  /** The same settings with another credentials file (a private broker's, as the chaos run starts). */
  withCredentialsFile(credentialsFile: string): KafkaAuthSettings {
    return new KafkaAuthSettings(this.username, this.#password, this.passwordFile, credentialsFile, this.defaultPrincipal);
  }

  /**
   * The SASL settings of a client that runs as `principal` (or the default
   * principal), or null when no credentials are configured at all. Throws,
   * naming the variable or file to fix but never a password, when the
   * credentials are configured but this principal has none.
   */
  saslFor(principal?: string | null): KafkaSasl | null {
    if (this.username !== null) {
      let password = this.#password;
      if (password === null && this.passwordFile !== null) password = readSecretFile(this.passwordFile, 'KAFKA_PASSWORD_FILE');
      if (password === null) throw new Error(`KAFKA_USERNAME=${this.username} is set, but neither KAFKA_PASSWORD nor KAFKA_PASSWORD_FILE`);
      return { mechanism: 'scram-sha-512', username: this.username, password };
    }
    if (!existsSync(this.credentialsFile)) return null;
    const name = principal ?? this.defaultPrincipal;
    if (name === null) {
      throw new Error(`Kafka credentials are configured (${this.credentialsFile}), but this client names no principal: set KAFKA_PRINCIPAL`);
    }
    const password = readCredentialsFile(this.credentialsFile).get(name);
    if (password === undefined) {
      throw new Error(`${this.credentialsFile} has no password for the Kafka principal '${name}' (bash scripts/stack.sh up adds missing principals)`);
    }
    return { mechanism: 'scram-sha-512', username: name, password };
  }

  /** Whether clients of this process authenticate (credentials configured). */
  enabled(): boolean {
    return this.username !== null || existsSync(this.credentialsFile);
  }

  toJSON(): Record<string, unknown> {
    return { username: this.username, passwordFile: this.passwordFile, credentialsFile: this.credentialsFile, defaultPrincipal: this.defaultPrincipal };
  }
}

/** `principal=password` lines (blank lines and `#` comments allowed), as scripts/stack.sh writes them. */
export function readCredentialsFile(path: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of readSecretFile(path, 'the Kafka credentials file').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`${path}: a line is not principal=password`);
    entries.set(trimmed.slice(0, at), trimmed.slice(at + 1));
  }
  return entries;
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
