/**
 * The stand-in's data: an estate shaped like what the API returns, typed with the payload
 * schemas' types so stand-in and connector cannot drift. The demo estate is built from a
 * clock, so ages stay meaningful whenever the demo runs.
 */
import { COMPANY, daysAgo, daysFromNow } from '../../../fixtures/demo/company.js';
import type { RawKey, RawServiceAccount } from '../schema.js';

export interface EstateServiceAccount extends RawServiceAccount {
  keys: RawKey[];
  /** Key listings answer 403 for this account (a permission the caller lacks). */
  keysDenied?: boolean;
}

export interface EstateProject {
  id: string;
  name: string;
  serviceAccounts: EstateServiceAccount[];
}

export interface AnthropicEstate {
  caller: { id: string; name: string };
  projects: EstateProject[];
}

export function demoEstate(now: Date): AnthropicEstate {
  const key = (
    id: string,
    created: number,
    lastUsed: number | null,
    expires: number | null,
  ): RawKey => ({
    id,
    redacted_value: `…${id.slice(-4)}`,
    status: 'active',
    created_at: daysAgo(now, created),
    last_used_at: lastUsed === null ? null : daysAgo(now, lastUsed),
    expires_at: expires === null ? null : daysFromNow(now, expires),
  });
  return {
    caller: { id: 'sa-nhi-audit', name: 'nhi-audit' },
    projects: [
      {
        id: 'orbital-prod',
        name: `${COMPANY.name} production`,
        serviceAccounts: [
          {
            id: 'sa-ci-deployer',
            name: 'ci-deployer',
            description: 'deploys the tracking API from CI',
            created_at: daysAgo(now, 400),
            owner_email: `${COMPANY.people[0]}@${COMPANY.domain}`,
            keys: [key('key-ci-7f3a', 380, 2, null), key('key-ci-91be', 20, 1, 70)],
          },
          {
            id: 'sa-legacy-export',
            name: 'legacy-export',
            description: null,
            created_at: daysAgo(now, 900),
            owner_email: null,
            keys: [key('key-lx-0c11', 850, null, null)],
          },
        ],
      },
    ],
  };
}
