import { z } from 'zod';
import { defineRule } from '../types.js';
import { NARROW_GRANT } from './_fixes.js';
import { ignorePermissionsOption, privilegeRule } from './_privilege.js';

export const privilegeEscalation = defineRule(
  privilegeRule({
    id: 'privilege-escalation',
    privilegeClass: 'privilege-escalation',
    verb: 'can act as other identities',
    title: 'Privilege-escalation path',
    description:
      'The identity can act as, or mint credentials for, other identities, the paths of ' +
      "Prowler's and Cloudsplaining's tables: AWS `iam:PassRole` on `*` with a compute service " +
      '(lambda:CreateFunction, ec2:RunInstances, ecs, glue, cloudformation, codebuild, sagemaker…), ' +
      '`iam:CreateAccessKey`, `iam:CreateLoginProfile` or `iam:UpdateLoginProfile` on other users, ' +
      '`sts:AssumeRole` on `*`, or code and commands in existing compute that holds a role ' +
      '(lambda:UpdateFunctionCode, ssm:SendCommand…); Azure Contributor, Virtual Machine ' +
      'Contributor or Managed Identity Operator at subscription scope, Graph ' +
      'Application.ReadWrite.All and similar; GCP Service Account Token Creator, Key Admin or ' +
      'User at project level or above; GitHub workflow, runner and environment write access.',
    help:
      'Scope iam:PassRole to the roles the workload passes (and the service with the ' +
      'iam:PassedToService condition), credential and role actions to the identity itself, and ' +
      'grant service-account roles on the one service account needed, not the project.',
    severity: 'high',
    owasp: 'NHI5',
    cis: { gcp: 'CIS GCP Foundations 3.0 1.6' },
    defaultsFrom: null,
    fix: NARROW_GRANT,
    options: z.object({
      ignorePermissions: ignorePermissionsOption,
      existingResourcePaths: z
        .boolean()
        .default(true)
        .describe(
          'Also report paths through existing compute that holds a role (lambda:UpdateFunctionCode, ssm:SendCommand…), as Prowler does',
        ),
    }),
    providerDefaults: {},
    keep: (hit, options) => options.existingResourcePaths || !hit.existing,
  }),
);
