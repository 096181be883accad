import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin, type AclEntry } from 'kafkajs';
import type { KafkaPrincipal } from '@plan-fabric/config';

/**
 * Who may do what on the topics, groups and transactional ids of one topic
 * prefix (FABRIC_TOPIC_PREFIX). The broker runs StandardAuthorizer with
 * allow.everyone.if.no.acl.found=false, so whatever is not listed here is
 * refused; `admin` is a super user and needs no row.
 *
 * Every pattern is PREFIXED. Principles (DESIGN.md, "Identity and authority"):
 * only the sequencer writes events and dead letters, and only it holds
 * `<prefix>.sequencer.` transactional ids; planners, enactors, janitors and
 * operators write commands and read events; the projector, the dashboard and
 * audits only read. Whoever publishes to an endpoint first creates its three
 * topics (CommandPublisher.ensureEndpoint, the sequencer's watcher), so the
 * sequencer and the command writers may Create under the prefix: creating a
 * topic is not writing to it. The naive plane talks only to Postgres: no row.
 */
export interface FabricAclRule {
  readonly principal: KafkaPrincipal;
  readonly resource: 'topic' | 'group' | 'transactional-id';
  /** The resource name prefix, after `<prefix>.` */
  readonly name: string;
  readonly operations: readonly ('READ' | 'WRITE' | 'CREATE' | 'DESCRIBE')[];
}

const COMMAND_WRITERS = ['planner', 'enactor', 'janitor', 'operator'] as const;
const READERS = ['projector', 'dashboard', 'audit'] as const;

export const FABRIC_ACL_RULES: readonly FabricAclRule[] = [
  // the sequencer: the only writer of events and dead letters
  { principal: 'sequencer', resource: 'topic', name: 'commands.', operations: ['READ', 'DESCRIBE', 'CREATE'] },
  { principal: 'sequencer', resource: 'topic', name: 'events.', operations: ['READ', 'WRITE', 'DESCRIBE', 'CREATE'] },
  { principal: 'sequencer', resource: 'topic', name: 'deadletters.', operations: ['WRITE', 'DESCRIBE', 'CREATE'] },
  // its groups: `.sequencer.<endpoint>` (offsets, committed in its transactions) and `.sequencer-rebuild.…`
  { principal: 'sequencer', resource: 'group', name: 'sequencer', operations: ['READ'] },
  { principal: 'sequencer', resource: 'transactional-id', name: 'sequencer.', operations: ['WRITE', 'DESCRIBE'] },
  // actors: write commands, read events (their consumer groups are `.actor.<client>.<endpoint>.<uuid>`)
  ...COMMAND_WRITERS.flatMap((principal): FabricAclRule[] => [
    { principal, resource: 'topic', name: 'commands.', operations: ['WRITE', 'DESCRIBE', 'CREATE'] },
    { principal, resource: 'topic', name: 'events.', operations: ['READ', 'DESCRIBE', 'CREATE'] },
    { principal, resource: 'topic', name: 'deadletters.', operations: ['DESCRIBE', 'CREATE'] },
    { principal, resource: 'group', name: 'actor.', operations: ['READ'] },
  ]),
  // readers: events (the audit: every log, and the sequencer's committed offset)
  ...READERS.map((principal): FabricAclRule => ({ principal, resource: 'topic', name: 'events.', operations: ['READ', 'DESCRIBE'] })),
  { principal: 'projector', resource: 'group', name: 'projector.', operations: ['READ'] },
  { principal: 'dashboard', resource: 'group', name: 'dashboard.', operations: ['READ'] },
  { principal: 'audit', resource: 'topic', name: 'commands.', operations: ['READ', 'DESCRIBE'] },
  { principal: 'audit', resource: 'topic', name: 'deadletters.', operations: ['READ', 'DESCRIBE'] },
  { principal: 'audit', resource: 'group', name: 'audit.', operations: ['READ'] },
  { principal: 'audit', resource: 'group', name: 'sequencer', operations: ['DESCRIBE'] },
];

const RESOURCE_TYPES = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
} as const;

/** The ACL entries of the standard set for `prefix` (kafkajs createAcls form). */
export function fabricAclEntries(prefix: string): AclEntry[] {
  return FABRIC_ACL_RULES.flatMap((rule) =>
    rule.operations.map((operation) => ({
      resourceType: RESOURCE_TYPES[rule.resource],
      resourceName: `${prefix}.${rule.name}`,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: `User:${rule.principal}`,
      host: '*',
      operation: AclOperationTypes[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

/**
 * Grants the standard ACL set for a topic prefix (idempotent: Kafka keeps one
 * copy of an ACL). `admin` must be a client of a super user. Used by
 * `scripts/stack.sh up|acl`, the test setup for each run's prefix, and the
 * chaos run's private broker.
 */
export async function grantFabricAcls(admin: Admin, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9._-]+$/.test(prefix)) throw new Error(`topic prefix '${prefix}' may hold only letters, digits, '.', '_' and '-'`);
  const acl = fabricAclEntries(prefix);
  await admin.createAcls({ acl });
  return acl.length;
}
