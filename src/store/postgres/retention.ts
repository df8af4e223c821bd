import { idFloor, idTime } from '../ids.ts';
import type { Removal } from '../store.ts';
import type { PgDb, Queryable, Tx } from './db.ts';

/**
 * The three tables partitioned by message id, in the order their partitions
 * are dropped: rows that point at a message go before the message.
 */
const PARTITIONED = ['attempts', 'deliveries', 'messages'] as const;
const KEY = { messages: 'id', deliveries: 'message_id', attempts: 'message_id' } as const;
/** Advisory lock class for partition upkeep (second key: the schema) for partition upkeep: one process at a time creates or drops. */
const PARTITION_LOCK = 0x51c3;
/** Partition DDL waits this long for a lock, then gives up until the next pass rather than queueing every query behind it. */
const DDL_LOCK_TIMEOUT = '5s';

interface Period {
  /** `messages_p2026112200`: the period's messages partition; its siblings share the suffix. */
  name: string;
  /** Lower bound as an id floor, or `null` for MINVALUE (the first partition, made from the old table). */
  from: string | null;
  to: string;
}

/** The messages partitions with bounds, oldest first (the DEFAULT one excluded). */
async function periods(db: Queryable): Promise<Period[]> {
  const rows = await db.query(`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'messages'::regclass`);
  const out: Period[] = [];
  for (const row of rows) {
    const m = /FROM \((MINVALUE|'([^']*)')\) TO \('([^']*)'\)/.exec(row.bound as string);
    if (m) out.push({ name: row.name as string, from: m[2] ?? null, to: m[3] as string });
  }
  return out.sort((a, b) => (a.to < b.to ? -1 : 1));
}

/** Bounds and names go into DDL, which takes no parameters: they are made here and checked to be plain. */
function plain(text: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(text)) throw new Error(`"${text}" cannot be part of partition DDL`);
  return text;
}

function suffix(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `p${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}`;
}

/**
 * See `Store.prepareStorage`. Partitions continue from the last one's upper
 * bound to at least two intervals (and a day) past `now`, each ending on a
 * multiple of the interval since the epoch, so changing the interval bends
 * the sequence at the next boundary without gaps or overlaps.
 */
export async function prepareStorage(db: PgDb, now: number, intervalMs: number): Promise<string[]> {
  const horizon = now + Math.max(2 * intervalMs, 86_400_000);
  const existing = await periods(db);
  const last = existing[existing.length - 1];
  if (last !== undefined && idTime(last.to) >= horizon) return [];
  return db.tx(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK}, hashtext(current_schema()))`);
    await tx.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
    // Another process may have created them while this one waited for the lock.
    const current = await periods(tx);
    const top = current[current.length - 1];
    let start = top !== undefined ? idTime(top.to) : Math.floor(now / intervalMs) * intervalMs;
    const created: string[] = [];
    while (start < horizon) {
      const end = (Math.floor(start / intervalMs) + 1) * intervalMs;
      await createPeriod(tx, start, end);
      created.push(`messages_${suffix(start)}`);
      start = end;
    }
    return created;
  });
}

/**
 * One period's three partitions. Rows the DEFAULT partitions took for this
 * period (no process was up to create it in time) would make the CREATE fail,
 * so they are set aside and put back through the parent, which routes them in.
 */
async function createPeriod(tx: Tx, start: number, end: number): Promise<void> {
  const from = plain(idFloor('msg', start));
  const to = plain(idFloor('msg', end));
  const name = plain(suffix(start));
  for (const table of [...PARTITIONED].reverse()) {
    const key = KEY[table];
    const strays = (await tx.query(`SELECT 1 FROM ${table}_default WHERE ${key} >= $1 AND ${key} < $2 LIMIT 1`, [from, to])).length > 0;
    if (strays) {
      await tx.run(`CREATE TEMP TABLE strays_${table} (LIKE ${table}) ON COMMIT DROP`);
      await tx.run(
        `WITH moved AS (DELETE FROM ${table}_default WHERE ${key} >= $1 AND ${key} < $2 RETURNING *)
        INSERT INTO strays_${table} SELECT * FROM moved`,
        [from, to],
      );
    }
    await tx.run(`CREATE TABLE ${table}_${name} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
    if (strays) await tx.run(`INSERT INTO ${table} SELECT * FROM strays_${table}`);
  }
}

/**
 * See `Store.removeBefore`. Each period goes in its own transaction, after its
 * three partitions are locked and found to hold no delivery still to make: the
 * check and the drop see the same rows, so a replay of an old message cannot
 * slip a new delivery in between.
 */
export async function removeBefore(db: PgDb, before: number): Promise<Removal> {
  const removal: Removal = { partitions: [], messages: 0, heldBack: 0 };
  const limit = idFloor('msg', before);
  for (const period of await periods(db)) {
    if (period.to > limit) break;
    const dropped = await db.tx(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK}, hashtext(current_schema()))`);
      await tx.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
      const names = PARTITIONED.map((t) => plain(`${t}${period.name.slice('messages'.length)}`));
      const [present] = await tx.query('SELECT count(*) FILTER (WHERE to_regclass(n) IS NOT NULL) AS n FROM unnest($1::text[]) AS n', [
        names,
      ]);
      if (Number(present?.n) !== names.length) return false; // another process dropped it first
      await tx.run(`LOCK TABLE ${names.join(', ')} IN ACCESS EXCLUSIVE MODE`);
      const [open] = await tx.query(
        `SELECT EXISTS (SELECT 1 FROM ${names[1]} WHERE state IN ('pending', 'scheduled', 'in_flight')) AS open`,
      );
      if (open?.open === true) return null;
      await tx.run(`DROP TABLE ${names.join(', ')}`);
      return true;
    });
    if (dropped === true) removal.partitions.push(period.name);
    else if (dropped === null) removal.heldBack++;
  }
  return removal;
}
