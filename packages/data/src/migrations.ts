import { StagesError } from '@stages/common';
import type { DataSource } from './datasource.js';

export interface Migration {
  /** Stable and unique: a migration with an id already recorded is skipped. */
  id: string;
  statements: readonly string[];
}

const LEDGER = 'stages_migrations';

/**
 * Applies each migration not yet recorded in the `stages_migrations` ledger of this datasource, in order, each
 * in its own transaction with its ledger row (PostgreSQL and SQLite run DDL transactionally; MySQL commits DDL
 * implicitly, so a failed migration there may be half applied). `expand` turns one statement into the statements
 * actually run, e.g. one per physical table of a shard; `scope` prefixes the ids (the logical table).
 */
export async function migrate(
  ds: DataSource,
  migrations: readonly Migration[],
  options: { scope?: string; expand?: (statement: string) => string[] } = {},
): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (!m.id || ids.has(m.id))
      throw new StagesError('INVALID_ARGUMENT', `migration ids must be unique and non-empty ("${m.id}")`);
    ids.add(m.id);
  }
  await ds.execute(
    `CREATE TABLE IF NOT EXISTS ${LEDGER} (id VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)`,
  );
  const applied: string[] = [];
  for (const migration of migrations) {
    const id = options.scope ? `${options.scope}:${migration.id}` : migration.id;
    const done = await ds.query(`SELECT id FROM ${LEDGER} WHERE id = $1`, [id], { primary: true });
    if (done.length > 0) continue;
    await ds.transaction(async (tx) => {
      for (const statement of migration.statements) {
        for (const sql of options.expand ? options.expand(statement) : [statement]) await tx.execute(sql);
      }
      await tx.execute(`INSERT INTO ${LEDGER} (id, applied_at) VALUES ($1, $2)`, [id, new Date().toISOString()]);
    });
    applied.push(id);
  }
  return applied;
}
