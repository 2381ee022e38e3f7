import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * Issue 16: services talk to repositories, not to the database. Outside a lib's `persistence/`
 * directory no source file issues a statement: no `.query(` (DataSource, EntityManager, QueryRunner),
 * no `createQueryBuilder`, `createQueryRunner` or `getRepository`, no TypeORM `Repository`
 * (imported, or injected with `@InjectRepository`), and no EntityManager data method (`find…`,
 * `save`, `insert`, `update`, `delete`, `count…`, …) on a manager. Services may still open a
 * transaction (`dataSource.transaction`, `TransactionRunner.run`) and hand its manager to a
 * repository: that is the unit of work, not a statement. Pure scan of the source files.
 *
 * Not scanned: tests (`*.spec.ts`, `*.medium-spec.ts`, ...) and libs/testing (test support, left
 * out of the build like the tests). ALLOWED below: the database lib's own infrastructure and one
 * adapter, each with its reason (docs/conventions.md names them too).
 */
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const TEST_FILE = /\.([a-z]+-)?spec\.ts$/;
const SKIPPED_DIRS = ['libs/testing'];

/** Files (or directories, ending in `/`) outside `persistence/` that may reach the database directly, and why. */
export const ALLOWED: Record<string, string> = {
  'libs/database/src/migrations/': 'migrations are reviewed SQL run by the migrator',
  'libs/database/src/migrate.ts': 'the migrator itself (runs the migrations, takes their lock)',
  'libs/database/src/probe.ts': 'the readiness probe (SELECT 1 on the pool)',
  'libs/database/src/read-replicas/': 'routes reads to replicas and measures their lag (pg_last_wal_replay_lsn): connection infrastructure, not a use case',
  'libs/payments/src/inbox/stripe-event-inbox.ts': 'the Stripe event inbox adapter: stores verified webhooks and claims them with the queue hand-off and metrics around each statement',
};

/** Names that hand out a statement builder, a raw connection or a TypeORM repository. */
const STATEMENT_MEMBERS = new Set(['createQueryBuilder', 'createQueryRunner', 'getRepository', 'getTreeRepository', 'withRepository']);
/** TypeORM's repository types and Nest's injection of them. */
const TYPEORM_REPOSITORY_IMPORTS = new Set(['Repository', 'TreeRepository', 'InjectRepository']);
/** EntityManager methods that read or write rows. */
const MANAGER_METHODS = new Set([
  'find', 'findBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findAndCount', 'findAndCountBy', 'count', 'countBy', 'exists', 'existsBy',
  'sum', 'average', 'minimum', 'maximum', 'save', 'insert', 'update', 'upsert', 'delete', 'remove', 'softDelete', 'softRemove', 'restore', 'increment',
  'decrement', 'clear', 'preload', 'create', 'merge',
]);
/** What a manager is called where one is passed around (`manager`, `m`, `em`, `this.dataSource.manager`, `entityManager`). */
const MANAGER_NAME = /^(m|em|.*manager)$/i;

const isAllowed = (file: string) => file.includes('/persistence/')
  || Object.keys(ALLOWED).some((allowed) => (allowed.endsWith('/') ? file.startsWith(allowed) : file === allowed));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    if (SKIPPED_DIRS.includes(rel)) continue;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !TEST_FILE.test(entry.name)) out.push(rel);
  }
  return out;
}

const receiverName = (node: ts.Expression): string | null => {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isNonNullExpression(node) || ts.isParenthesizedExpression(node)) return receiverName(node.expression);
  return null;
};

/** What in one file reaches the database directly; empty when it goes through repositories. */
export function databaseAccesses(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => found.push(`${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier) && ['typeorm', '@nestjs/typeorm'].includes(node.moduleSpecifier.text)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          const imported = (element.propertyName ?? element.name).text;
          if (TYPEORM_REPOSITORY_IMPORTS.has(imported)) at(element, `TypeORM's ${imported} (use the lib's repository in persistence/)`);
        }
      }
    } else if (ts.isCallExpression(node) && (ts.isPropertyAccessExpression(node.expression) || ts.isElementAccessExpression(node.expression))) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isStringLiteralLike(callee.argumentExpression) ? callee.argumentExpression.text : null;
      const receiver = receiverName(callee.expression);
      if (name === 'query') at(node, '.query( (move the SQL into a repository in persistence/)');
      else if (name !== null && STATEMENT_MEMBERS.has(name)) at(node, `${name} (move it into a repository in persistence/)`);
      else if (name !== null && MANAGER_METHODS.has(name) && receiver !== null && MANAGER_NAME.test(receiver)) at(node, `${receiver}.${name}( (an EntityManager statement: move it into a repository in persistence/)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('services reach the database through their lib\'s repositories (persistence/)', () => {
  const files = [...sourceFiles('libs'), ...sourceFiles('apps')];

  it('no source file under libs/ or apps/ outside persistence/ (and the named exceptions) issues a statement', () => {
    // The scan reaches the services (and so would see them go wrong).
    expect(files).toEqual(expect.arrayContaining([
      'libs/ledger/src/ledger.service.ts', 'libs/donations/src/refunds.service.ts', 'libs/organizations/src/auth.service.ts',
      'libs/campaigns/src/campaigns.service.ts', 'libs/reconciliation/src/reconciliation.service.ts', 'apps/worker/src/payouts/payouts-sweep.runner.ts',
    ]));
    const uses = files.filter((file) => !isAllowed(file)).flatMap((file) => databaseAccesses(file, readFileSync(path.join(root, file), 'utf8')));
    expect(uses).toEqual([]);
  });

  it('every named exception exists and still needs its exception', () => {
    for (const allowed of Object.keys(ALLOWED)) {
      const covered = files.filter((file) => (allowed.endsWith('/') ? file.startsWith(allowed) : file === allowed));
      expect({ allowed, files: covered.length > 0 }).toEqual({ allowed, files: true });
      // An exception nobody uses any more is removed, not kept "just in case".
      expect({ allowed, reaches: covered.some((file) => databaseAccesses(file, readFileSync(path.join(root, file), 'utf8')).length > 0) }).toEqual({ allowed, reaches: true });
    }
  });

  describe('the check itself', () => {
    it.each([
      ['await this.dataSource.query(`SELECT 1`);'],
      ['const [row] = await manager.query(`SELECT * FROM donations WHERE id = $1`, [id]);'],
      ["const rows = await this.dataSource.getRepository(Campaign).createQueryBuilder('c').getMany();"],
      ["await manager.createQueryBuilder(User, 'u').getOne();"],
      ['const lock = this.dataSource.createQueryRunner();'],
      ['await manager.findOne(Invitation, { where: { id } });'],
      ['await manager.save(manager.create(User, {}));'],
      ['await m.update(Session, { id }, { revokedAt: now });'],
      ['await this.dataSource.manager.insert(AuditLogEntry, {});'],
      ['await target.query(`SELECT 1`);'],
      ["import { Repository } from 'typeorm';"],
      ["import { InjectRepository } from '@nestjs/typeorm';"],
      ["import { Repository as Repo } from 'typeorm';"],
    ])('refuses %s', (line) => {
      expect(databaseAccesses('x.service.ts', line)).not.toEqual([]);
    });

    it.each([
      ["import { DataSource, EntityManager } from 'typeorm';"],
      ['return this.dataSource.transaction(async (manager) => this.repository.lock(manager, id));'],
      ['await this.tx.run(async (m) => this.repository.insert(m, row));'],
      ['const found = items.find((i) => i.id === id); seen.delete(id); map.set(k, v);'],
      ['const q = request.query; // .query( in a comment'],
      ['await this.campaigns.update(principal, id, input);'],
    ])('allows %s', (line) => {
      expect(databaseAccesses('x.service.ts', line)).toEqual([]);
    });
  });
});
