/** Bedrock API keys as the AWS connector records them (service-specific credentials). */
import type { StoredCredential } from '../../model/index.js';
import type { ManualFix } from '../fix.js';

/** A Bedrock API key: the connector says `aiService: 'bedrock'` (or names the service). */
export function isBedrockKey(c: StoredCredential): boolean {
  return (
    c.type === 'service-specific-credential' &&
    (c.attributes.aiService === 'bedrock' || c.attributes.service === 'bedrock.amazonaws.com')
  );
}

export const BEDROCK_DOCS = 'https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html';

/** Delete a long-term Bedrock API key (nhi's revoke playbook acts on access keys only). */
export const DELETE_BEDROCK_KEY: ManualFix = {
  steps: [
    'Move the caller to short-term Bedrock API keys (valid up to 12 hours, generated from its IAM role, e.g. with aws-bedrock-token-generator) or to IAM role credentials (SigV4)',
    'IAM console > Users > {name} > Security credentials > API keys for Amazon Bedrock: deactivate the key {credential}, wait for anything that breaks, then delete it (`aws iam update-service-specific-credential --user-name {name} --service-specific-credential-id {credential} --status Inactive`, then `aws iam delete-service-specific-credential --user-name {name} --service-specific-credential-id {credential}`)',
  ],
  docs: [BEDROCK_DOCS],
};
