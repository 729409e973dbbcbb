import { deployKeyWrite as rule } from './deploy-key-write.js';
import { ruleTable } from '../test-table.js';
import { credential, gap, identity } from '../testing.js';

const repo = identity({
  provider: 'github',
  scopeId: 'orbital-freight',
  scopeName: 'orbital-freight',
  kind: 'repository',
  externalId: 'orbital-freight/api',
  name: 'orbital-freight/api',
});
const key =
  (attributes: Record<string, unknown>, extra = {}) =>
  () => ({
    identities: [repo],
    credentials: [
      credential(repo, { type: 'deploy-key', externalId: '42', name: 'ci', attributes, ...extra }),
    ],
  });

ruleTable(rule, [
  { name: 'read-only key: fine', data: key({ readOnly: true }), expect: 'pass' },
  {
    name: 'write key: flagged',
    data: key({ readOnly: false, addedBy: 'ravi.patel' }),
    expect: 'fail',
    evidence: { readOnly: false, addedBy: 'ravi.patel' },
  },
  { name: 'GitHub field name read_only accepted', data: key({ read_only: false }), expect: 'fail' },
  {
    name: 'disabled write key: fine',
    data: key({ readOnly: false }, { status: 'inactive' }),
    expect: 'pass',
  },
  { name: 'access unknown: not evaluated', data: key({}), expect: 'not-evaluated' },
  {
    name: 'deploy keys could not be listed (gap): the repository is not evaluated',
    data: () => ({ identities: [repo], gaps: [gap(repo, 'deploy-keys')] }),
    expect: 'not-evaluated',
    subject: 'i-1',
    evidence: { gap: { signal: 'deploy-keys' } },
  },
]);
