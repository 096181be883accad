export * from './config';
export * from './kafka-credentials';
export * from './logger';
export * from './lines';
export * from './shutdown';
