import { noOwner as rule } from './no-owner.js';
import { ruleTable } from '../test-table.js';
import { credential, identity } from '../testing.js';

ruleTable(rule, [
  {
    name: 'application without owner: flagged',
    data: () => ({ identities: [identity({ kind: 'application', owner: null })] }),
    expect: 'fail',
    evidence: { owner: null },
  },
  {
    name: 'application with owner: fine',
    data: () => ({ identities: [identity({ kind: 'application', owner: 'mei.tanaka' })] }),
    expect: 'pass',
  },
  {
    name: 'owner tag but no owner field: fine',
    data: () => ({
      identities: [identity({ kind: 'service-account', owner: null, tags: { team: 'data' } })],
    }),
    expect: 'pass',
  },
  {
    name: 'machine user (has a key) without owner: flagged',
    data: () => {
      const i = identity({ owner: null });
      return { identities: [i], credentials: [credential(i)] };
    },
    expect: 'fail',
  },
  {
    name: 'human user (no keys) without owner: not a machine identity',
    data: () => ({ identities: [identity({ owner: null })] }),
    expect: 'pass',
  },
  {
    name: 'a repository needs no owner here',
    data: () => ({ identities: [identity({ kind: 'repository', owner: null })] }),
    expect: 'pass',
  },
  {
    name: 'a role is not required to have an owner by default',
    data: () => ({ identities: [identity({ kind: 'role', owner: null })] }),
    expect: 'pass',
  },
  {
    name: 'roles can be added to the kinds',
    data: () => ({ identities: [identity({ kind: 'role', owner: null })] }),
    policy: { rules: { 'no-owner': { options: { kinds: ['role'] } } }, exceptions: [] },
    expect: 'fail',
  },
]);
