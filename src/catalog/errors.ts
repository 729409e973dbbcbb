import { UserError } from '../connector/index.js';

/** The catalog file is unreadable, corrupt or from a newer nhi: the user must act. */
export class CatalogError extends UserError {
  override name = 'CatalogError';
}
