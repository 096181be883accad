export * from './keys';
export * from './signer';
export * from './registration';
export * from './key-store';
