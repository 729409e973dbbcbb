/**
 * GitHub REST payloads -> nhi records. Pure: no I/O, no clock except the `now` passed in.
 * Split by job; this index is what scan.ts, actions.ts and sink.ts import. The payload
 * schemas and their parse helpers come along, so a caller maps only what it validated.
 */
export * from './identities.js';
export * from './privilege.js';
export * from './tokens.js';
export * from './keys.js';
export * from './apps.js';
export * from './secrets.js';
export * from './hooks.js';
export * from './ci-keys.js';
export * from '../schema.js';
