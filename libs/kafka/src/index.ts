export * from './topics';
export * from './client';
export * from './endpoint-topics';
export * from './command-publisher';
export * from './topic-watcher';
export * from './acl';
export * from './scram';
