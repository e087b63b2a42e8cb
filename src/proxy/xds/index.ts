// The proxy's xDS side: decoding resources (and bootstraps) into the config model.
export * from './decode/index.ts';
