// The proxy's xDS side: decoding resources (and bootstraps) into the config model.
export * from './ads/index.ts';
export * from './decode/index.ts';
