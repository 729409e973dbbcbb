/**
 * AWS IAM grants classified the way Cloudsplaining and Prowler do, from the action patterns the
 * connector records per (policy, service): `attributes.actions`, `attributes.notActions`,
 * `attributes.resources`, `attributes.conditional`.
 *
 * Only named actions count, matched against the granted patterns, so a read-only wildcard
 * (`s3:Get*`, `ec2:Describe*`) is never admin whatever AWS's action catalogue calls a few of
 * the actions it expands to. A class needs its actions on every resource ("*", an ARN whose
 * resource part is "*", `…:role/*`, `…:user/*`, or NotResource); a grant whose policy mixes
 * "*" with specific resources for one service cannot be split back into statements, so it is
 * reported as undetermined rather than guessed.
 */
import type { StoredGrant } from '../../model/index.js';
import { cmp } from '../compare.js';
import { globToRegExp } from '../glob.js';
import {
  ALL_CLASSES,
  type PrivilegeClass,
  type PrivilegeHit,
  type SubjectPrivileges,
  type Undetermined,
} from './types.js';

/** Rewrite the principal's own or other principals' permissions (Rhino "permissions on policies"). */
export const PERMISSIONS_MANAGEMENT = [
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:AddUserToGroup',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutUserPermissionsBoundary',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteUserPermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
];

export interface EscalationPath {
  name: string;
  actions: string[];
  /** Needs an existing resource (function, stack, instance) that already holds a role. */
  existing?: boolean;
}

/** Privilege-escalation paths of Prowler's and Cloudsplaining's tables (Rhino Security Labs, pathfinding.cloud). */
export const ESCALATION_PATHS: readonly EscalationPath[] = [
  // Credentials of other principals.
  { name: 'CreateAccessKey', actions: ['iam:CreateAccessKey'] },
  { name: 'CreateLoginProfile', actions: ['iam:CreateLoginProfile'] },
  { name: 'UpdateLoginProfile', actions: ['iam:UpdateLoginProfile'] },
  { name: 'AssumeAnyRole', actions: ['sts:AssumeRole'] },
  // iam:PassRole to new compute that runs the attacker's code with the passed role.
  { name: 'PassRole+EC2', actions: ['iam:PassRole', 'ec2:RunInstances'] },
  { name: 'PassRole+EC2Spot', actions: ['iam:PassRole', 'ec2:RequestSpotInstances'] },
  {
    name: 'PassRole+Lambda',
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
  },
  {
    name: 'PassRole+Lambda+EventSource',
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
  },
  {
    name: 'PassRole+Lambda+AddPermission',
    actions: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:AddPermission'],
  },
  { name: 'PassRole+GlueDevEndpoint', actions: ['iam:PassRole', 'glue:CreateDevEndpoint'] },
  { name: 'PassRole+GlueJob', actions: ['iam:PassRole', 'glue:CreateJob', 'glue:StartJobRun'] },
  {
    name: 'PassRole+GlueJob+Trigger',
    actions: ['iam:PassRole', 'glue:CreateJob', 'glue:CreateTrigger'],
  },
  {
    name: 'PassRole+GlueUpdateJob',
    actions: ['iam:PassRole', 'glue:UpdateJob', 'glue:StartJobRun'],
  },
  { name: 'PassRole+CloudFormation', actions: ['iam:PassRole', 'cloudformation:CreateStack'] },
  {
    name: 'PassRole+CloudFormationStackSet',
    actions: [
      'iam:PassRole',
      'cloudformation:CreateStackSet',
      'cloudformation:CreateStackInstances',
    ],
  },
  {
    name: 'PassRole+CloudFormationUpdateStackSet',
    actions: ['iam:PassRole', 'cloudformation:UpdateStackSet'],
  },
  {
    name: 'PassRole+DataPipeline',
    actions: [
      'iam:PassRole',
      'datapipeline:CreatePipeline',
      'datapipeline:PutPipelineDefinition',
      'datapipeline:ActivatePipeline',
    ],
  },
  { name: 'PassRole+CodeStar', actions: ['iam:PassRole', 'codestar:CreateProject'] },
  {
    name: 'PassRole+CodeBuild',
    actions: ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild'],
  },
  {
    name: 'PassRole+CodeBuildBatch',
    actions: ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuildBatch'],
  },
  {
    name: 'PassRole+AutoScaling',
    actions: [
      'iam:PassRole',
      'autoscaling:CreateAutoScalingGroup',
      'autoscaling:CreateLaunchConfiguration',
    ],
  },
  {
    name: 'PassRole+UpdateAutoScaling',
    actions: [
      'iam:PassRole',
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:CreateLaunchConfiguration',
    ],
  },
  {
    name: 'PassRole+ECSService',
    actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:CreateService'],
  },
  {
    name: 'PassRole+ECSRunTask',
    actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'],
  },
  {
    name: 'PassRole+ECSStartTask',
    actions: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:StartTask'],
  },
  { name: 'PassRole+ECSExistingTask', actions: ['iam:PassRole', 'ecs:RunTask'], existing: true },
  {
    name: 'PassRole+SageMakerNotebook',
    actions: ['iam:PassRole', 'sagemaker:CreateNotebookInstance'],
  },
  {
    name: 'PassRole+SageMakerTraining',
    actions: ['iam:PassRole', 'sagemaker:CreateTrainingJob'],
  },
  {
    name: 'PassRole+SageMakerProcessing',
    actions: ['iam:PassRole', 'sagemaker:CreateProcessingJob'],
  },
  { name: 'PassRole+AppRunner', actions: ['iam:PassRole', 'apprunner:CreateService'] },
  {
    name: 'PassRole+BedrockCodeInterpreter',
    actions: [
      'iam:PassRole',
      'bedrock-agentcore:CreateCodeInterpreter',
      'bedrock-agentcore:InvokeCodeInterpreter',
    ],
  },
  // Code or commands in existing compute that already holds a role.
  { name: 'UpdateLambdaCode', actions: ['lambda:UpdateFunctionCode'], existing: true },
  {
    name: 'UpdateLambdaConfiguration',
    actions: ['lambda:UpdateFunctionConfiguration'],
    existing: true,
  },
  { name: 'UpdateGlueDevEndpoint', actions: ['glue:UpdateDevEndpoint'], existing: true },
  { name: 'UpdateCloudFormationStack', actions: ['cloudformation:UpdateStack'], existing: true },
  {
    name: 'CloudFormationChangeSet',
    actions: ['cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet'],
    existing: true,
  },
  { name: 'CodeBuildStartBuild', actions: ['codebuild:StartBuild'], existing: true },
  { name: 'CodeBuildStartBuildBatch', actions: ['codebuild:StartBuildBatch'], existing: true },
  { name: 'SSMSendCommand', actions: ['ssm:SendCommand'], existing: true },
  { name: 'SSMStartSession', actions: ['ssm:StartSession'], existing: true },
  {
    name: 'EC2InstanceConnect',
    actions: ['ec2-instance-connect:SendSSHPublicKey', 'ec2:DescribeInstances'],
    existing: true,
  },
  {
    name: 'ECSExecuteCommand',
    actions: ['ecs:ExecuteCommand', 'ecs:DescribeTasks'],
    existing: true,
  },
  {
    name: 'EC2UserData',
    actions: ['ec2:ModifyInstanceAttribute', 'ec2:StopInstances', 'ec2:StartInstances'],
    existing: true,
  },
  {
    name: 'EC2LaunchTemplate',
    actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
    existing: true,
  },
  {
    name: 'SageMakerPresignedNotebookUrl',
    actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'],
    existing: true,
  },
  {
    name: 'SageMakerLifecycleConfig',
    actions: [
      'sagemaker:CreateNotebookInstanceLifecycleConfig',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
      'sagemaker:StartNotebookInstance',
    ],
    existing: true,
  },
  { name: 'AppRunnerUpdateService', actions: ['apprunner:UpdateService'], existing: true },
  {
    name: 'BedrockCodeInterpreterSession',
    actions: [
      'bedrock-agentcore:StartCodeInterpreterSession',
      'bedrock-agentcore:InvokeCodeInterpreter',
    ],
    existing: true,
  },
];

/** Read data or secrets (Cloudsplaining's data-exfiltration list, plus kms:Decrypt). */
export const DATA_EXFILTRATION = [
  's3:GetObject',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'secretsmanager:GetSecretValue',
  'kms:Decrypt',
];

/** Change resource-based policies or share resources (Cloudsplaining's resource exposure). */
export const RESOURCE_EXPOSURE = [
  's3:PutBucketPolicy',
  's3:PutBucketAcl',
  's3:PutObjectAcl',
  's3:PutBucketPublicAccessBlock',
  's3:PutAccountPublicAccessBlock',
  's3:PutAccessPointPolicy',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'secretsmanager:PutResourcePolicy',
  'ecr:SetRepositoryPolicy',
  'ecr-public:SetRepositoryPolicy',
  'sns:AddPermission',
  'sns:SetTopicAttributes',
  'sqs:AddPermission',
  'sqs:SetQueueAttributes',
  'lambda:AddPermission',
  'lambda:AddLayerVersionPermission',
  'glacier:SetVaultAccessPolicy',
  'ec2:ModifySnapshotAttribute',
  'ec2:ModifyImageAttribute',
  'rds:ModifyDBSnapshotAttribute',
  'rds:ModifyDBClusterSnapshotAttribute',
  'ram:CreateResourceShare',
  'ram:AssociateResourceShare',
  'logs:PutResourcePolicy',
  'events:PutPermission',
  'backup:PutBackupVaultAccessPolicy',
  'elasticfilesystem:PutFileSystemPolicy',
  'glue:PutResourcePolicy',
  'apigateway:UpdateRestApiPolicy',
];

const TARGETS = [
  ...new Set([
    ...PERMISSIONS_MANAGEMENT,
    ...ESCALATION_PATHS.flatMap((p) => p.actions),
    ...DATA_EXFILTRATION,
    ...RESOURCE_EXPOSURE,
  ]),
];

const serviceOf = (action: string) => action.slice(0, action.indexOf(':')).toLowerCase();

/** Resource entries that cover everything of their kind. */
function unconstrained(resource: string): boolean {
  if (resource === '*' || resource.startsWith('NotResource:')) return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const rest = parts.slice(5).join(':');
  if (rest === '*' || rest === '*/*') return true;
  return parts[2] === 'iam' && /^(role|user|group|policy)\/\*$/.test(rest);
}

type Scope = 'all' | 'none' | 'mixed';

interface GrantFacts {
  grant: StoredGrant;
  /** null: the grant's actions were not recorded. */
  patterns: string[] | null;
  notActions: string[] | null;
  scope: Scope;
  conditional: boolean;
  /** Target action -> the pattern granting it (or `NotAction …`). */
  matched: Map<string, string>;
  admin: boolean;
  /** `svc:*` patterns, or the NotAction list of a statement that is not admin. */
  wildcards: string[];
}

function asStrings(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
}

/** Actions from the grant label when the connector did not record them (`*`, `svc:{A,B}`, `NotAction:…`). */
function fromLabel(permission: string): { patterns: string[]; notActions: string[] } | null {
  if (permission === '*' || permission === '*:*') return { patterns: ['*'], notActions: [] };
  if (permission.startsWith('NotAction:'))
    return { patterns: [], notActions: permission.slice('NotAction:'.length).split(',') };
  const m = /^([a-z0-9-]+):\{(.+)\}$/i.exec(permission);
  if (m) return { patterns: m[2]!.split(',').map((a) => `${m[1]}:${a}`), notActions: [] };
  if (/^[a-z0-9-]+:[A-Za-z0-9*?]+$/i.test(permission))
    return { patterns: [permission], notActions: [] };
  return null;
}

const matcher = (pattern: string) => globToRegExp(pattern.toLowerCase());

function matches(pattern: string, action: string): boolean {
  return pattern === '*' || pattern === '*:*' || matcher(pattern).test(action.toLowerCase());
}

/** Target actions one pattern grants; patterns repeat across an estate, so each is matched once. */
const targetsCache = new Map<string, readonly string[]>();

function targetsOf(pattern: string): readonly string[] {
  const key = pattern.toLowerCase();
  let hit = targetsCache.get(key);
  if (!hit) {
    const svc = key === '*' || key === '*:*' ? '*' : serviceOf(key);
    hit = TARGETS.filter((a) => (svc === '*' || serviceOf(a) === svc) && matches(key, a));
    if (targetsCache.size >= 100_000) targetsCache.clear(); // bounded whatever the estate
    targetsCache.set(key, hit);
  }
  return hit;
}

const factsCache = new WeakMap<StoredGrant, GrantFacts>();

function factsOf(g: StoredGrant): GrantFacts {
  const cached = factsCache.get(g);
  if (cached) return cached;
  const a = g.attributes;
  const recorded =
    asStrings(a.actions) !== null || asStrings(a.notActions) !== null
      ? { patterns: asStrings(a.actions) ?? [], notActions: asStrings(a.notActions) ?? [] }
      : fromLabel(g.permission);
  const resources = asStrings(a.resources) ?? g.resource.split(' ').filter(Boolean);
  const open = resources.filter(unconstrained).length;
  const scope: Scope = open === 0 ? 'none' : open === resources.length ? 'all' : 'mixed';
  const facts: GrantFacts = {
    grant: g,
    patterns: recorded?.patterns ?? null,
    notActions: recorded && recorded.notActions.length > 0 ? recorded.notActions : null,
    scope,
    conditional: a.conditional === true,
    matched: new Map(),
    admin: false,
    wildcards: [],
  };
  if (recorded) {
    for (const p of recorded.patterns) {
      const svc = p === '*' || p === '*:*' ? '*' : serviceOf(p);
      if (svc !== '*' && p.slice(p.indexOf(':') + 1) === '*') facts.wildcards.push(p);
    }
    // The first pattern (in policy order) that grants each target action.
    for (const p of recorded.patterns)
      for (const action of targetsOf(p))
        if (!facts.matched.has(action)) facts.matched.set(action, p);
    if (facts.notActions) {
      const excluded = new Set(facts.notActions.flatMap(targetsOf));
      const via = `NotAction ${facts.notActions.join(',')}`;
      for (const action of TARGETS)
        if (!excluded.has(action) && !facts.matched.has(action)) facts.matched.set(action, via);
    }
    const everything = recorded.patterns.some((p) => p === '*' || p === '*:*');
    // Full admin: every action, or a NotAction that still leaves IAM permission management.
    const notActionAdmin =
      facts.notActions !== null &&
      PERMISSIONS_MANAGEMENT.some((action) => facts.matched.has(action));
    facts.admin = everything || notActionAdmin;
    if (facts.notActions && !notActionAdmin)
      facts.wildcards.push(`every action except ${facts.notActions.join(', ')}`);
  }
  factsCache.set(g, facts);
  return facts;
}

function label(action: string, via: string): string {
  return via === action ? action : `${action} (via ${via})`;
}

/** Actions the subject has on every resource, with the grant and pattern that allow each. */
function sure(facts: GrantFacts[]): Map<string, { via: string; grant: StoredGrant }> {
  const out = new Map<string, { via: string; grant: StoredGrant }>();
  for (const f of facts) {
    if (f.scope !== 'all' || f.admin) continue;
    for (const [action, via] of f.matched)
      if (!out.has(action)) out.set(action, { via, grant: f.grant });
  }
  return out;
}

export function analyseAws(grants: readonly StoredGrant[]): SubjectPrivileges {
  const facts = grants.map(factsOf);
  const hits: PrivilegeHit[] = [];
  const undetermined: Undetermined[] = [];

  const admins = facts.filter((f) => f.admin && f.scope === 'all');
  if (admins.length > 0) {
    hits.push({
      class: 'admin',
      allows: admins.map(
        (f) =>
          `${f.notActions ? `every action except ${f.notActions.join(', ')} (NotAction)` : '*'} on *${f.conditional ? ' (with a condition)' : ''}`,
      ),
      grants: admins.map((f) => f.grant),
    });
  }

  const onAll = sure(facts);
  const add = (cls: PrivilegeClass, actions: readonly string[]) => {
    const found = actions.filter((a) => onAll.has(a));
    if (found.length === 0) return;
    hits.push({
      class: cls,
      allows: found.map((a) => label(a, onAll.get(a)!.via)),
      grants: unique(found.map((a) => onAll.get(a)!.grant)),
    });
  };
  add('permissions-management', PERMISSIONS_MANAGEMENT);
  for (const path of ESCALATION_PATHS) {
    if (!path.actions.every((a) => onAll.has(a))) continue;
    hits.push({
      class: 'privilege-escalation',
      path: path.name,
      ...(path.existing ? { existing: true } : {}),
      allows: path.actions.map((a) => label(a, onAll.get(a)!.via)),
      grants: unique(path.actions.map((a) => onAll.get(a)!.grant)),
    });
  }
  add('data-exfiltration', DATA_EXFILTRATION);
  add('resource-exposure', RESOURCE_EXPOSURE);
  const wild = facts.filter((f) => f.scope === 'all' && !f.admin && f.wildcards.length > 0);
  if (wild.length > 0) {
    hits.push({
      class: 'service-wildcard',
      allows: [...new Set(wild.flatMap((f) => f.wildcards))].sort(cmp),
      grants: wild.map((f) => f.grant),
    });
  }

  for (const f of facts) {
    if (f.patterns === null) {
      undetermined.push({
        classes: ALL_CLASSES,
        grant: f.grant,
        reason: `the actions of ${f.grant.permission} (${f.grant.source ?? 'unknown policy'}) were not recorded`,
      });
      continue;
    }
    if (f.scope !== 'mixed') continue;
    // The policy gives this service both "*" and specific resources: which action goes with
    // which resource is lost in the per-service record, so these cannot be judged.
    const maybe = new Set<PrivilegeClass>();
    if (f.admin) maybe.add('admin');
    if (PERMISSIONS_MANAGEMENT.some((a) => f.matched.has(a))) maybe.add('permissions-management');
    if (ESCALATION_PATHS.some((p) => p.actions.some((a) => f.matched.has(a))))
      maybe.add('privilege-escalation');
    if (DATA_EXFILTRATION.some((a) => f.matched.has(a))) maybe.add('data-exfiltration');
    if (RESOURCE_EXPOSURE.some((a) => f.matched.has(a))) maybe.add('resource-exposure');
    if (f.wildcards.length > 0) maybe.add('service-wildcard');
    if (maybe.size === 0) continue;
    undetermined.push({
      classes: [...maybe],
      grant: f.grant,
      reason: `${f.grant.source ?? 'a policy'} grants ${f.grant.permission} on a mix of "*" and specific resources; the AWS connector records one resource list per policy and service, so which actions apply to "*" is unknown`,
      allows: [...f.matched].map(([a, via]) => label(a, via)),
    });
  }
  return { hits, undetermined };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
