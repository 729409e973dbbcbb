/** The Azure stand-in (authority + Graph + ARM + Key Vault over HTTPS) and its estate types. */
export {
  startAzureStandIn,
  type AzureStandIn,
  type Fault,
  type StandInOptions,
  type RequestRecord,
} from './server.js';
export type * from './estate.js';
export { BUILT_IN_ROLES, GRAPH_APP_ROLES, MICROSOFT_GRAPH_APP_ID } from './estate.js';
