/**
 * Admin steps of scripts/stack.sh that need a Kafka client (no password ever on a command line or in output):
 *
 *   tsx scripts/kafka-admin.ts users <controller host:port> <name>…   create/replace SCRAM-SHA-512 users with the
 *                                                                    passwords of KAFKA_CREDENTIALS_FILE
 *   tsx scripts/kafka-admin.ts acl <prefix>…                          grant the standard ACL set (libs/kafka/src/acl.ts)
 *                                                                    as admin, at KAFKA_BROKERS
 */
import { createLogger, loadConfig, readCredentialsFile } from '@plan-fabric/config';
import { createKafka, grantFabricAcls, upsertScramUsers } from '@plan-fabric/kafka';

async function main(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  const config = loadConfig();
  if (command === 'users') {
    const [controller, ...names] = rest;
    if (controller === undefined || names.length === 0) throw new Error('usage: kafka-admin.ts users <controller host:port> <name>…');
    const passwords = readCredentialsFile(config.kafkaAuth.credentialsFile);
    const users = names.map((name) => {
      const password = passwords.get(name);
      if (password === undefined) throw new Error(`${config.kafkaAuth.credentialsFile} has no password for '${name}'`);
      return { name, password };
    });
    await upsertScramUsers(controller, users);
    process.stdout.write(`kafka-admin: SCRAM-SHA-512 credentials set for ${names.join(', ')}\n`);
    return;
  }
  if (command === 'acl') {
    if (rest.length === 0) throw new Error('usage: kafka-admin.ts acl <prefix>…');
    const logger = createLogger('kafka-admin', 'warn');
    const admin = createKafka(config, 'plan-fabric-kafka-admin', logger, 'admin').admin();
    await admin.connect();
    try {
      for (const prefix of rest) {
        const count = await grantFabricAcls(admin, prefix);
        process.stdout.write(`kafka-admin: ${count} ACLs granted for topic prefix ${prefix}\n`);
      }
    } finally {
      await admin.disconnect();
    }
    return;
  }
  throw new Error('usage: kafka-admin.ts users <controller> <name>… | acl <prefix>…');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`kafka-admin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
