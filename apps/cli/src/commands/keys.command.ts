import { createLogger, loadConfig } from '@plan-fabric/config';
import { ROLES, type Actor, type Role } from '@plan-fabric/domain';
import { KeyStore, KeyStoreSigner } from '@plan-fabric/identity';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';
import { kafkaProblem } from '../services/preflight';
import { safeUser } from './activate.command';
import { loadDashboard } from './dashboard.command';

export const KEYS_DEFAULTS = { outcomeWaitMs: 30_000 } as const;

export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'signing keys: create the root and actor keys, register, rotate and revoke them on an endpoint',
  help: `usage: fabric keys init
       fabric keys show
       fabric keys register <endpoint> <role:id>…      e.g. enactor:az1 planner:planner
       fabric keys rotate <endpoint> <role:id>
       fabric keys revoke <endpoint> <public key>

Every command is signed with its actor's Ed25519 key; the sequencer rejects
NOT_AUTHENTICATED what is unsigned, badly signed, or signed by a key that is
neither registered on the endpoint's log nor a trust root.

Keys live in the key directory, FABRIC_KEYS_DIR (default
$PLAN_FABRIC_HOME/keys, outside the repository), one file per key, mode 0600:
root.key (the root operator), trust-roots (public keys the sequencer and
audits trust; FABRIC_TRUST_ROOTS overrides it), actors/<role>:<id>.key.
No seed is ever printed or logged.

  init      create the directory and the root key if missing; print the root's public key
  show      the root and every actor key's public key
  register  send RegisterActorKey for each actor's key (created if missing), signed by the root
  rotate    make a new key for the actor, register it, then revoke the old one: commands
            the actor signed before stay verifiable on replay (the log holds both events);
            restart the actor so it signs with the new key
  revoke    send RevokeActorKey for a public key (an actor key or a trust root): commands
            signed with it after this are NOT_AUTHENTICATED

Options:
  --operator ID         the operator actor id (default: your user name)
  --outcome-wait-ms N   how long to wait for each outcome (default ${KEYS_DEFAULTS.outcomeWaitMs})

register, rotate and revoke need Kafka, Postgres and a running sequencer and
projector (\`npm run fabric -- services\`).`,
  async run(args) {
    const { values, positionals } = parseOptions(args, { operator: { type: 'string' }, 'outcome-wait-ms': { type: 'string' } });
    const [action, endpointId, ...rest] = positionals;
    const config = loadConfig();
    const store = new KeyStore(config.keysDir);
    if (action === 'init' || action === 'show') {
      if (endpointId !== undefined) throw new UsageError(`fabric keys ${action} takes no arguments`);
      const root = store.init();
      process.stdout.write(`key directory ${store.dir}\nroot (trust root) ${root}\n`);
      if (action === 'show') {
        process.stdout.write(`trust roots       ${store.trustRoots().join(', ')}\n`);
        for (const actor of store.actors()) process.stdout.write(`${`${actor.role}:${actor.id}`.padEnd(18)}${store.actorKey(actor).publicKey}\n`);
      }
      return 0;
    }
    if (action !== 'register' && action !== 'rotate' && action !== 'revoke') {
      throw new UsageError('say what to do: fabric keys init | show | register | rotate | revoke (fabric keys --help)');
    }
    if (endpointId === undefined || rest.length === 0) throw new UsageError(`fabric keys ${action} <endpoint> ${action === 'revoke' ? '<public key>' : '<role:id>…'}`);
    if (action === 'rotate' && rest.length > 1) throw new UsageError('rotate one actor at a time');
    const outcomeWaitMs = intOption('outcome-wait-ms', values['outcome-wait-ms'], KEYS_DEFAULTS.outcomeWaitMs);
    const kafkaDown = await kafkaProblem(config);
    if (kafkaDown !== null) {
      process.stderr.write(`${kafkaDown}\n`);
      return 1;
    }
    store.init();
    const logger = createLogger('fabric-keys', config.logLevel === 'info' ? 'warn' : config.logLevel);
    const { KafkaPublisherSource, OperatorActions, createReaderPool, dashboardSettings } = await loadDashboard();
    const settings = dashboardSettings(config, { outcomeWaitMs });
    const pool = createReaderPool(config, settings.readerDatabaseUrl, logger);
    const publishers = new KafkaPublisherSource(config, logger, 'fabric-keys');
    const actions = new OperatorActions(pool, publishers, settings, new KeyStoreSigner(store));
    const operatorId = values.operator ?? safeUser();
    let failed = 0;
    const report = (what: string, result: { outcome: string; reason: string | null; detail: string | null; commandOffset: number }) => {
      if (result.outcome !== 'accepted') failed += 1;
      process.stdout.write(`${what}: ${result.outcome}${result.reason === null ? '' : ` ${result.reason}`}${result.detail === null ? '' : ` (${result.detail})`}, command offset ${result.commandOffset}\n`);
    };
    try {
      if (action === 'revoke') {
        for (const publicKey of rest) report(`revoke ${publicKey}`, await actions.changeKey(endpointId, operatorId, { type: 'RevokeActorKey', payload: { publicKey } }));
      } else if (action === 'register') {
        for (const actor of rest.map(parseActor)) {
          const publicKey = store.actorKey(actor).publicKey;
          report(`register ${actor.role}:${actor.id} ${publicKey}`, await actions.changeKey(endpointId, operatorId, { type: 'RegisterActorKey', payload: { actor, publicKey } }));
        }
      } else {
        const actor = parseActor(rest[0] as string);
        const { previous, key } = store.rotateActorKey(actor);
        report(`register new ${actor.role}:${actor.id} ${key.publicKey}`, await actions.changeKey(endpointId, operatorId, { type: 'RegisterActorKey', payload: { actor, publicKey: key.publicKey } }));
        if (previous !== null && failed === 0) {
          report(`revoke old ${previous}`, await actions.changeKey(endpointId, operatorId, { type: 'RevokeActorKey', payload: { publicKey: previous } }));
        }
        if (failed === 0) process.stdout.write(`restart ${actor.role} ${actor.id} so that it signs with the new key\n`);
      }
    } finally {
      await publishers.close();
      await pool.end();
    }
    return failed === 0 ? 0 : 1;
  },
};

function parseActor(text: string): Actor {
  const [role, ...id] = text.split(':');
  if (!(ROLES as readonly string[]).includes(role ?? '') || id.length === 0 || id.join(':') === '') {
    throw new UsageError(`'${text}' is not role:id with role one of ${ROLES.join(', ')}`);
  }
  return { role: role as Role, id: id.join(':') };
}
