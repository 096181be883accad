export * from './registry';
export * from './metrics-server';
