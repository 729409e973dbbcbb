/**
 * IAM's analysis actions: Access Advisor (GenerateServiceLastAccessedDetails starts a job,
 * GetServiceLastAccessedDetails answers IN_PROGRESS until it is done, then pages its services)
 * and SimulatePrincipalPolicy over the principal's identity policies.
 */
import { randomUUID } from 'node:crypto';
import { offsetPage } from '../../../src/connector/stand-in.js';
import { AwsError } from './errors.js';
import { paged, type IamHandler } from './iam-request.js';
import { allowedNamespaces, evaluate } from './policy-simulator.js';
import { isoSeconds, memberList } from './query.js';
import { principalPolicies, roleArn, userArn } from './state.js';

export const ADVISOR_ACTIONS: Record<string, IamHandler> = {
  GenerateServiceLastAccessedDetails: (r) => {
    const arn = r.params.get('Arn') ?? '';
    const policies = principalPolicies(r.a, arn);
    if (!policies) throw new AwsError('NoSuchEntity', `entity ${arn} not found`, 404);
    const usage =
      r.a.users.find((u) => userArn(r.a, u) === arn)?.serviceLastAccessed ??
      r.a.roles.find((x) => roleArn(r.a, x) === arn)?.serviceLastAccessed;
    const JobId = randomUUID();
    r.account.jobs.set(JobId, {
      arn,
      createdAt: r.state.now().toISOString(),
      pendingPolls: r.state.options.advisorPendingPolls ?? 0,
      services: allowedNamespaces(
        policies.map((p) => p.doc),
        usage,
      ).map((ns) => ({ namespace: ns, lastAuthenticated: usage?.[ns] ?? null })),
    });
    return { JobId };
  },

  GetServiceLastAccessedDetails: (r) => {
    const job = r.account.jobs.get(r.params.get('JobId') ?? '');
    if (!job) throw new AwsError('NoSuchEntity', 'job not found', 404);
    const created = isoSeconds(job.createdAt);
    if (job.pendingPolls > 0) {
      job.pendingPolls -= 1;
      return {
        JobStatus: 'IN_PROGRESS',
        JobType: 'SERVICE_LEVEL',
        JobCreationDate: created,
        ServicesLastAccessed: [],
        IsTruncated: false,
      };
    }
    const pg = offsetPage(
      job.services,
      r.params.get('Marker'),
      Number(r.params.get('MaxItems') ?? 100),
    );
    return {
      JobStatus: 'COMPLETED',
      JobType: 'SERVICE_LEVEL',
      JobCreationDate: created,
      JobCompletionDate: created,
      ServicesLastAccessed: pg.items.map((s) => ({
        ServiceName: s.namespace.toUpperCase(),
        ServiceNamespace: s.namespace,
        LastAuthenticated: s.lastAuthenticated ? isoSeconds(s.lastAuthenticated) : null,
        LastAuthenticatedEntity: s.lastAuthenticated ? job.arn : null,
        LastAuthenticatedRegion: s.lastAuthenticated ? 'us-east-1' : null,
        TotalAuthenticatedEntities: s.lastAuthenticated ? 1 : 0,
      })),
      IsTruncated: pg.next !== null,
      Marker: pg.next,
    };
  },

  // Identity policies only, every resource ('*'): enough for `nhi doctor`'s playbook probe.
  SimulatePrincipalPolicy: (r) => {
    const arn = r.params.get('PolicySourceArn') ?? '';
    const names = memberList(r.params, 'ActionNames');
    if (!names.length)
      throw new AwsError('InvalidInput', 'ActionNames must contain at least one action.', 400);
    const policies = principalPolicies(r.a, arn);
    if (!policies) throw new AwsError('NoSuchEntity', `The entity ${arn} cannot be found.`, 404);
    return paged(r, names, 'EvaluationResults', (action) => {
      const d = evaluate(policies, action);
      return {
        EvalActionName: action,
        EvalResourceName: '*',
        EvalDecision: d.decision,
        MatchedStatements: d.matched.map((id) => ({
          SourcePolicyId: id,
          SourcePolicyType: 'IAM Policy',
        })),
        MissingContextValues: [],
      };
    });
  },
};
