export { createPool, withTransaction, type PoolOptions } from './pool';
export { migrate, readMigrations, MIGRATIONS_DIR, type Migration } from './migrate';
export { ProjectionWriter, type BatchResult, type EventRecord, type ProjectionWriterOptions } from './projection-writer';
export * from './projection';
export * from './queries';
export * from './projection-schema';
export * from './dashboard-queries';
// Test fixtures: a real event log decided by the domain, and unique endpoint ids.
export { exampleEventLog, uniqueEndpointId, type ExampleEventLog } from './testing/example-event-log';
export * from './roles';
