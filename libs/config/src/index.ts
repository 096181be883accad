export * from './config';
export * from './logger';
export * from './lines';
export * from './shutdown';
