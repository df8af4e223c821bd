import { PostgresImport } from './postgres/transfer.ts';
import { SqliteExport } from './sqlite/transfer.ts';
import type { StoreRules } from './rules.ts';
import { parseStorageUrl, redactUrl } from './url.ts';

/** Tables that others refer to go first; the rest follow in name order. */
const FIRST = ['applications', 'endpoints', 'event_types', 'messages', 'dedupe', 'deliveries', 'attempts'];

export interface CopyOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** The delivery rules: which state an in-flight delivery of the copy goes back to. */
  rules: StoreRules;
  /** Told after each batch: the table and how many of its rows are copied so far. */
  progress?: (table: string, copied: number, total: number) => void;
}

/**
 * Copies everything an SQLite store holds into an empty PostgreSQL database
 * (`sluice migrate-data`): applications and endpoints with their secrets,
 * messages, remembered event ids, deliveries (in-flight ones become due again)
 * and attempts, in one transaction. Throws an Error saying what is wrong when
 * the two cannot be matched or the target already holds data.
 */
export async function copySqliteToPostgres(
  from: string,
  to: string,
  options: CopyOptions,
): Promise<Array<{ table: string; rows: number }>> {
  const source = parseStorageUrl(from);
  const target = parseStorageUrl(to);
  if (source.kind !== 'sqlite') throw new Error(`--from must be sqlite:PATH (got "${redactUrl(from)}")`);
  if (target.kind !== 'postgres') throw new Error(`--to must be postgres://… (got "${redactUrl(to)}")`);
  let exporter: SqliteExport;
  try {
    exporter = SqliteExport.open(source.path, options.rules);
  } catch (err) {
    throw new Error(`cannot open ${source.path}: ${(err as Error).message}`, { cause: err });
  }
  let importer: PostgresImport | undefined;
  try {
    try {
      importer = await PostgresImport.open({ url: target.url, poolSize: 2, ...options });
    } catch (err) {
      const cause = err instanceof AggregateError ? (err.errors[0] as Error) : (err as Error);
      throw new Error(`cannot open PostgreSQL at ${redactUrl(to)}: ${cause.message || (cause as NodeJS.ErrnoException).code}`, {
        cause: err,
      });
    }
    const [have, want] = [exporter.migrations(), await importer.migrations()];
    if (have.join() !== want.join()) {
      throw new Error(
        `the two schemas differ (SQLite at migrations ${have.join(', ')}, PostgreSQL at ${want.join(', ')}): use one Sluice version for both`,
      );
    }
    const tables = exporter.tables().sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
    const types = await importer.columnTypes();
    for (const table of tables) {
      const columns = types.get(table.name);
      if (!columns) throw new Error(`table ${table.name} of the SQLite file has no counterpart in PostgreSQL`);
      const missing = table.columns.filter((c) => !columns.has(c));
      if (missing.length > 0) throw new Error(`PostgreSQL table ${table.name} lacks column(s) ${missing.join(', ')}`);
    }
    const occupied = await importer.occupied(tables.map((t) => t.name));
    if (Object.keys(occupied).length > 0) {
      const what = Object.entries(occupied)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ');
      throw new Error(
        `${redactUrl(to)} already holds data (${what}): migrate-data copies into an empty database only (run it before starting Sluice on PostgreSQL)`,
      );
    }
    return await importer.inTransaction(async (insert) => {
      const report: Array<{ table: string; rows: number }> = [];
      for (const table of tables) {
        const columnTypes = table.columns.map((c) => types.get(table.name)?.get(c) as string);
        const size = PostgresImport.batchSize(table.columns.length);
        let batch: Array<Record<string, unknown>> = [];
        let copied = 0;
        for (const row of table.rows()) {
          batch.push(row);
          if (batch.length < size) continue;
          await insert(table.name, table.columns, columnTypes, batch);
          copied += batch.length;
          batch = [];
          options.progress?.(table.name, copied, table.count);
        }
        await insert(table.name, table.columns, columnTypes, batch);
        copied += batch.length;
        options.progress?.(table.name, copied, table.count);
        report.push({ table: table.name, rows: copied });
      }
      return report;
    });
  } finally {
    exporter.close();
    await importer?.close();
  }
}

function rank(table: string): number {
  const i = FIRST.indexOf(table);
  return i === -1 ? FIRST.length : i;
}
