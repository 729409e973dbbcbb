/** Organizations (awsJson1_1): the organization and its accounts, readable from the management account. */
import { offsetPage } from '../../../src/connector/stand-in.js';
import { AwsError } from './errors.js';
import type { StandInState } from './state.js';

export function organizations(
  state: StandInState,
  op: string,
  body: Record<string, unknown>,
  accountId: string,
): unknown {
  const { estate } = state;
  if (!estate.managementAccountId)
    throw new AwsError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization.',
      400,
    );
  if (accountId !== estate.managementAccountId)
    throw new AwsError(
      'AccessDeniedException',
      'You don’t have permissions to access this resource.',
      400,
    );
  const org = 'o-orbital0001';
  switch (op) {
    case 'DescribeOrganization':
      return {
        Organization: {
          Id: org,
          Arn: `arn:aws:organizations::${accountId}:organization/${org}`,
          MasterAccountId: accountId,
          FeatureSet: 'ALL',
        },
      };
    case 'ListAccounts': {
      const pg = offsetPage(
        estate.accounts,
        typeof body.NextToken === 'string' ? body.NextToken : null,
        Number(body.MaxResults ?? 20),
      );
      return {
        Accounts: pg.items.map((x) => ({
          Id: x.id,
          Arn: `arn:aws:organizations::${estate.managementAccountId}:account/${org}/${x.id}`,
          Email: x.email ?? `aws+${x.name}@example.com`,
          Name: x.name,
          State: x.state ?? 'ACTIVE',
          Status: x.state === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE',
          JoinedMethod: x.id === estate.managementAccountId ? 'INVITED' : 'CREATED',
          JoinedTimestamp: Date.parse(x.joinedAt ?? '2020-01-01T00:00:00Z') / 1000,
        })),
        ...(pg.next ? { NextToken: pg.next } : {}),
      };
    }
    default:
      throw new AwsError('InvalidAction', `unknown operation ${op}`, 400);
  }
}
