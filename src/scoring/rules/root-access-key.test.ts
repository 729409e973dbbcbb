import { rootAccessKey as rule } from './root-access-key.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, identity } from '../testing.js';

const root = identity({
  kind: 'root',
  name: '<root_account>',
  externalId: 'arn:aws:iam::111122223333:root',
});

ruleTable(rule, [
  { name: 'root without keys: fine', data: () => ({ identities: [root] }), expect: 'pass' },
  {
    name: 'root with an active key: critical',
    data: () => ({ identities: [root], credentials: [credential(root)] }),
    expect: 'fail',
  },
  {
    name: 'root with an inactive key: fine',
    data: () => ({ identities: [root], credentials: [credential(root, { status: 'inactive' })] }),
    expect: 'pass',
  },
  {
    name: 'root key known only from the credential report flag',
    data: () => ({ identities: [identity({ ...root, attributes: { accessKey1Active: true } })] }),
    expect: 'fail',
  },
  {
    name: 'a normal user with a key: not this rule',
    data: () => {
      const u = identity();
      return { identities: [u], credentials: [credential(u)] };
    },
    expect: 'pass',
  },
  {
    name: 'credential report unreadable: not evaluated',
    data: () => ({ identities: [root], gaps: [gap(root, 'credential-report')] }),
    expect: 'not-evaluated',
  },
]);
