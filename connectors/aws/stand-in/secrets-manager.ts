/**
 * Secrets Manager (awsJson1_1), the rotation sink: secrets with versions and staging labels
 * (a new value becomes AWSCURRENT, the one before AWSPREVIOUS; ClientRequestToken is the
 * version id).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './errors.js';
import type { Secret, StandInState } from './state.js';

export function secretsManager(
  state: StandInState,
  op: string,
  body: Record<string, unknown>,
  acct: string,
): unknown {
  let mine = state.secrets.get(acct);
  if (!mine) state.secrets.set(acct, (mine = new Map()));
  const find = (id: unknown): Secret => {
    const s = [...mine.values()].find((x) => x.name === id || x.arn === id);
    if (!s)
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
        400,
      );
    return s;
  };
  const stamp = state.now().getTime() / 1000;
  const putVersion = (s: Secret, value: string, token: unknown): string => {
    const versionId = typeof token === 'string' && token ? token : randomUUID();
    for (const v of s.versions.values()) {
      v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
      if (v.stages.includes('AWSCURRENT'))
        v.stages = v.stages.map((x) => (x === 'AWSCURRENT' ? 'AWSPREVIOUS' : x));
    }
    s.versions.set(versionId, { value, stages: ['AWSCURRENT'], createdAt: stamp });
    return versionId;
  };
  switch (op) {
    case 'CreateSecret': {
      const name = String(body.Name ?? '');
      if (!name) throw new AwsError('InvalidParameterException', 'Name is required', 400);
      if (mine.has(name))
        throw new AwsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
          400,
        );
      const s: Secret = {
        name,
        arn: `arn:aws:secretsmanager:us-east-1:${acct}:secret:${name}-${randomBytes(3).toString('hex')}`,
        versions: new Map(),
        createdAt: stamp,
      };
      mine.set(name, s);
      const versionId =
        typeof body.SecretString === 'string'
          ? putVersion(s, body.SecretString, body.ClientRequestToken)
          : undefined;
      return { ARN: s.arn, Name: s.name, VersionId: versionId };
    }
    case 'PutSecretValue': {
      const s = find(body.SecretId);
      const versionId = putVersion(s, String(body.SecretString ?? ''), body.ClientRequestToken);
      return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
    }
    case 'DescribeSecret': {
      const s = find(body.SecretId);
      return {
        ARN: s.arn,
        Name: s.name,
        CreatedDate: s.createdAt,
        VersionIdsToStages: Object.fromEntries([...s.versions].map(([id, v]) => [id, v.stages])),
      };
    }
    case 'GetSecretValue': {
      const s = find(body.SecretId);
      const entry = [...s.versions].find(([id, v]) =>
        body.VersionId ? id === body.VersionId : v.stages.includes('AWSCURRENT'),
      );
      if (!entry) throw new AwsError('ResourceNotFoundException', 'version not found', 400);
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: entry[0],
        SecretString: entry[1].value,
        VersionStages: entry[1].stages,
        CreatedDate: entry[1].createdAt,
      };
    }
    default:
      throw new AwsError('InvalidAction', `unknown operation ${op}`, 400);
  }
}
