import { credentialRotation as rule } from './credential-rotation.js';
import { ruleTable } from '../test-table.js';
import { ago, credential, identity } from '../testing.js';

const i = identity();
ruleTable(rule, [
  {
    name: 'exactly at the 90-day window: not flagged',
    data: () => ({ identities: [i], credentials: [credential(i, { createdAt: ago(90) })] }),
    expect: 'pass',
  },
  {
    name: 'one minute past 90 days: flagged with its age',
    data: () => ({ identities: [i], credentials: [credential(i, { createdAt: ago(90, 1) })] }),
    expect: 'fail',
    evidence: { ageDays: 90, maxAgeDays: 90, createdAt: ago(90, 1) },
  },
  {
    name: 'inactive key is not rotated, it is retired: not flagged',
    data: () => ({
      identities: [i],
      credentials: [credential(i, { createdAt: ago(300), status: 'inactive' })],
    }),
    expect: 'pass',
  },
  {
    name: 'secret rotated recently by lastRotatedAt although created long ago: not flagged',
    data: () => ({
      identities: [i],
      credentials: [
        credential(i, {
          type: 'actions-secret',
          createdAt: ago(500),
          attributes: { lastRotatedAt: ago(5) },
        }),
      ],
    }),
    expect: 'pass',
  },
  {
    name: 'secret last rotated 91 days ago: flagged by lastRotatedAt',
    data: () => ({
      identities: [i],
      credentials: [
        credential(i, {
          type: 'actions-secret',
          createdAt: ago(500),
          attributes: { updatedAt: ago(91) },
        }),
      ],
    }),
    expect: 'fail',
    evidence: { lastRotatedAt: ago(91), ageDays: 91 },
  },
  {
    name: 'federated credential has no secret: not checked',
    data: () => ({
      identities: [i],
      credentials: [credential(i, { type: 'federated-credential', createdAt: ago(900) })],
    }),
    expect: 'pass',
  },
  {
    name: 'no date at all: not evaluated',
    data: () => ({ identities: [i], credentials: [credential(i, { createdAt: null })] }),
    expect: 'not-evaluated',
  },
  {
    name: 'policy per provider: 30-day window at exactly 30 days passes',
    data: () => ({ identities: [i], credentials: [credential(i, { createdAt: ago(30) })] }),
    policy: {
      rules: { 'credential-rotation': { providers: { aws: { options: { maxAgeDays: 30 } } } } },
      exceptions: [],
    },
    expect: 'pass',
  },
  {
    name: 'policy per tag: 30-day window one minute past fails',
    data: () => {
      const t = identity({ tags: { env: 'prod' } });
      return { identities: [t], credentials: [credential(t, { createdAt: ago(30, 1) })] };
    },
    policy: {
      rules: { 'credential-rotation': { tags: { 'env=prod': { options: { maxAgeDays: 30 } } } } },
      exceptions: [],
    },
    expect: 'fail',
    evidence: { maxAgeDays: 30 },
  },
]);
