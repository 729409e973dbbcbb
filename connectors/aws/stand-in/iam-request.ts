/** What an IAM action handler gets and gives, and IAM's Marker paging. */
import { offsetPage } from '../../../src/connector/stand-in.js';
import type { EstateAccount } from './estate.js';
import type { XmlValue } from './query.js';
import type { AccountState, StandInState } from './state.js';

/** What an IAM handler gets: the account it acts in, the caller and the request's parameters. */
export interface IamRequest {
  state: StandInState;
  account: AccountState;
  a: EstateAccount;
  params: URLSearchParams;
  /** The caller's ARN. */
  caller: string;
}

/** A handler's answer: the Result's content, or null for an answer without one. */
export type IamHandler = (r: IamRequest) => XmlValue;

/** One page of `items` as IAM lists them: the list, IsTruncated and Marker. */
export function paged<T>(
  r: IamRequest,
  items: readonly T[],
  listName: string,
  render: (x: T) => XmlValue,
) {
  const pg = offsetPage(items, r.params.get('Marker'), Number(r.params.get('MaxItems') ?? 100));
  return { [listName]: pg.items.map(render), IsTruncated: pg.next !== null, Marker: pg.next };
}
