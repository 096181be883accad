export * from './checks';
export * from './audit-run';
export * from './audit-report';
export { readWholeTopic, committedOffset, type TopicContents, type ReadLimits } from './topic-reader';
