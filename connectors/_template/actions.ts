/**
 * Write operations for playbooks. Declare honestly what the provider can do: a credential
 * that cannot be deactivated makes every revocation plan say "irreversible".
 */
import { NO_CAPABILITIES, type ConnectorActions } from '../../src/connector/index.js';

const unsupported = async (): Promise<never> => {
  throw new Error('the template provider has no write operations');
};

export const actions: ConnectorActions = {
  capabilities: () => NO_CAPABILITIES,
  describe: unsupported,
  listSiblings: unsupported,
  deactivate: unsupported,
  reactivate: unsupported,
  delete: unsupported,
  create: unsupported,
  sinks: {},
};
