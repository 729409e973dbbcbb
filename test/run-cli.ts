/** The CLI runner of the end-to-end tests (kept in fixtures/ so connector tests can share it). */
export * from '../fixtures/cli.js';
