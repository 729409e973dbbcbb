/**
 * The SQLite backend of the catalog interface. better-sqlite3 is synchronous and in-process,
 * so each call does its work at once and resolves; large results are read lazily, a page at a
 * time, straight from the statement.
 */
import type { Catalog } from '../index.js';
import type { AuditSigner } from '../audit-log.js';
import { SqlitePlaybookStore } from './playbook-store.js';
import { SqlitePosture } from './posture.js';
import { SqliteRuns } from './runs.js';
import { SqliteDiff } from './diff.js';
import type {
  CatalogStore,
  DiffField,
  FindingGroupKey,
  FindingQuery,
  PostureQuery,
  PruneRequest,
  RunWindow,
  ScopeKey,
  SubjectKind,
  SubjectQuery,
} from '../store.js';

export class SqliteStore implements CatalogStore {
  private readonly posture: SqlitePosture;
  private readonly housekeeping: SqliteRuns;
  private readonly diff: SqliteDiff;

  constructor(private readonly catalog: Catalog) {
    this.posture = new SqlitePosture(catalog.db);
    this.housekeeping = new SqliteRuns(catalog.db, catalog.path);
    this.diff = new SqliteDiff(catalog.db);
  }

  get location(): string {
    return this.catalog.path;
  }

  close(): Promise<void> {
    this.catalog.close();
    return Promise.resolve();
  }

  beginRun(init: Parameters<CatalogStore['beginRun']>[0]) {
    return Promise.resolve(this.catalog.beginRun(init));
  }

  // async: a scope the connector got wrong rejects, as on PostgreSQL, rather than throwing.
  async writeScope(...args: Parameters<CatalogStore['writeScope']>) {
    return this.catalog.writeScope(...args);
  }

  finishRun(...args: Parameters<CatalogStore['finishRun']>) {
    this.catalog.finishRun(...args);
    return Promise.resolve();
  }

  run(runId: number) {
    return Promise.resolve(this.catalog.run(runId));
  }

  latestRun() {
    return Promise.resolve(this.catalog.latestRun());
  }

  groupHead(runId: number) {
    return Promise.resolve(this.catalog.groupHead(runId));
  }

  hasRuns(kind: { demo: boolean }) {
    return Promise.resolve(
      this.catalog.db
        .prepare(`SELECT 1 FROM scan_runs WHERE demo = ? LIMIT 1`)
        .get(kind.demo ? 1 : 0) !== undefined,
    );
  }

  previousRun(runId: number) {
    return Promise.resolve(this.catalog.previousRun(runId));
  }

  runs(q: { limit?: number; demo?: boolean }) {
    return Promise.resolve(this.housekeeping.runs(q));
  }

  firstRunSince(at: string) {
    return Promise.resolve(this.housekeeping.firstRunSince(at));
  }

  prune(req: PruneRequest) {
    return Promise.resolve(this.housekeeping.prune(req));
  }

  scopesOfRun(runId: number) {
    return Promise.resolve(this.catalog.scopesOfRun(runId));
  }

  scopes() {
    return Promise.resolve(this.catalog.scopes());
  }

  candidates(ref: string) {
    return Promise.resolve(this.catalog.candidates(ref));
  }

  gapsInForce(runId: number, scope?: ScopeKey) {
    return Promise.resolve(this.catalog.gapsInForce(runId, scope));
  }

  presentScopes(runId: number) {
    return Promise.resolve(this.catalog.views.presentScopes(runId));
  }

  async *scopeBatches(runId: number, scope: ScopeKey, identities: number) {
    yield* this.catalog.views.scopeBatches(runId, scope, identities);
  }

  postureRuns(w: RunWindow) {
    return Promise.resolve(this.posture.runs(w));
  }

  postureRows(q: PostureQuery) {
    return Promise.resolve(this.posture.rows(q));
  }

  evaluation(runId: number) {
    return Promise.resolve(this.catalog.evaluations.evaluation(runId));
  }

  beginEvaluation(init: Parameters<CatalogStore['beginEvaluation']>[0]) {
    return Promise.resolve(this.catalog.evaluations.begin(init));
  }

  credentials(q: SubjectQuery) {
    return this.catalog.views.credentials(q);
  }

  identities(q: SubjectQuery) {
    return this.catalog.views.identities(q);
  }

  countSubjects(kind: SubjectKind, q: SubjectQuery) {
    return Promise.resolve(this.catalog.views.countSubjects(kind, q));
  }

  resolve(ref: string) {
    return Promise.resolve(this.catalog.resolve(ref));
  }

  findingsOfIdentity(
    evaluationId: number,
    identity: { provider: string; scopeId: string; externalId: string },
  ) {
    return Promise.resolve(this.catalog.evaluations.findingsOfIdentity(evaluationId, identity));
  }

  scoresOf(evaluationId: number, subjectIds: readonly string[]) {
    return Promise.resolve(this.catalog.evaluations.scoresOf(evaluationId, subjectIds));
  }

  grantsOfIdentity(identityId: string) {
    return Promise.resolve(this.catalog.grantsOfIdentity(identityId));
  }

  history(subjectIds: readonly string[]) {
    return Promise.resolve(
      subjectIds.flatMap((id) => this.catalog.history(id).map((h) => ({ subjectId: id, ...h }))),
    );
  }

  credentialsOfIdentity(identityId: string) {
    return Promise.resolve(this.catalog.credentialsOfIdentity(identityId));
  }

  playbooks(signer?: AuditSigner) {
    return new SqlitePlaybookStore(this.catalog.db, signer);
  }

  async openPlaybookRuns(credentialIds: readonly string[]) {
    const playbooks = this.playbooks();
    const out = [];
    for (const id of credentialIds) {
      const r = await playbooks.openRunFor(id);
      if (r) out.push({ id: r.id, kind: r.kind, status: r.status, credentialId: r.credentialId });
    }
    return out;
  }

  findings(q: FindingQuery) {
    return this.catalog.evaluations.findings(q);
  }

  countFindings(q: FindingQuery) {
    return Promise.resolve(this.catalog.evaluations.countFindings(q));
  }

  findingGroups(q: FindingQuery, by: readonly FindingGroupKey[]) {
    return Promise.resolve(this.catalog.evaluations.groups(q, by));
  }

  scores(evaluationId: number) {
    return this.catalog.evaluations.scores(evaluationId);
  }

  ownerGroups(evaluationId: number, filter: { owner?: string; team?: string }) {
    return Promise.resolve(this.catalog.evaluations.ownerGroups(evaluationId, filter));
  }

  unownedIdentities(evaluationId: number) {
    return this.catalog.evaluations.unownedIdentities(evaluationId);
  }

  exceptions(evaluationId: number) {
    return Promise.resolve(this.catalog.evaluations.exceptions(evaluationId));
  }

  suppressed(evaluationId: number) {
    return this.catalog.evaluations.suppressed(evaluationId);
  }

  expiredMatches(evaluationId: number, index: number) {
    return this.catalog.evaluations.expiredMatches(evaluationId, index);
  }

  credentialChanges(fromRun: number, toRun: number, change: 'added' | 'removed') {
    return this.catalog.views.credentialChanges(fromRun, toRun, change);
  }

  changes(fromRun: number, toRun: number) {
    return this.catalog.views.changes(fromRun, toRun);
  }

  credentialDiff(fromRun: number, toRun: number, change: 'added' | 'removed') {
    return this.diff.credentialDiff(fromRun, toRun, change);
  }

  fieldChanges(fromRun: number, toRun: number, field: DiffField) {
    return this.diff.fieldChanges(fromRun, toRun, field);
  }
}
