// The proxy's internal configuration model (decoded xDS). See types.ts.
export type * from './dump.ts';
export type * from './types.ts';
