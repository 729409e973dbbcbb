/**
 * GCP connector manifest: service accounts, their user-managed keys, API keys, IAM roles on
 * projects/folders/organization, last authentication (Policy Analyzer) and unused roles
 * (IAM Recommender). Options and permissions: README.md beside this file.
 */
import type { Connector } from '../../src/connector/index.js';
import { doctor } from './doctor.js';
import { options } from './options.js';
import { SIGNALS, discoverGcp } from './scan.js';

export const SCAN_PERMISSIONS = [
  'roles/iam.securityReviewer (or roles/iam.serviceAccountViewer + resourcemanager.projects.getIamPolicy): service accounts, keys, IAM policies',
  'roles/policyanalyzer.activityAnalysisViewer: last authentication of service accounts and keys',
  'roles/recommender.iamViewer: unused roles (IAM Recommender)',
  'roles/browser on the organization/folder: project and folder listing',
  'roles/serviceusage.apiKeysViewer (optional): API keys',
];

export const connector: Connector = {
  id: 'gcp',
  title: 'Google Cloud (IAM service accounts and keys)',
  options,
  signals: SIGNALS,
  scanPermissions: SCAN_PERMISSIONS,
  discover: discoverGcp,
  doctor,
  async startDemo(clock: Date) {
    // Loaded lazily: a real scan never pulls the stand-in or the demo estate in.
    const { startDemo } = await import('./stand-in/index.js');
    return startDemo(clock);
  },
};
