import assert from 'node:assert/strict';
import { it } from 'node:test';
import { idFloor, idTime } from '../../src/store/ids.ts';
import { application, endpoint, newSecret, type OpenedStore, type StoreTarget } from './harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Part {
  name: string;
  from: string | null;
  to: string | null;
}

/** Each partition of `table` with its bounds, as the catalog has them, in bound order (DEFAULT last). */
async function partitions(sql: OpenedStore['sql'], table: string): Promise<Part[]> {
  const rows = await sql(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return rows
    .map((r) => {
      const m = /FROM \((?:MINVALUE|'([^']*)')\) TO \('([^']*)'\)/.exec(r.bound as string);
      return { name: r.name as string, from: m?.[1] ?? null, to: m?.[2] ?? null };
    })
    .sort((a, b) => (a.to === null ? 1 : b.to === null ? -1 : a.to < b.to ? -1 : 1));
}

/** PostgreSQL's time partitions: what the gateway creates ahead and how strays are rehomed. */
export function partitionCases(target: StoreTarget): void {
  it('creates contiguous partitions ahead, the same for the three tables, on interval boundaries', () =>
    target.with(async ({ store, sql }) => {
      const now = Date.now();
      const created = await store.prepareStorage(now, 6 * HOUR);
      assert.ok(created.length >= 4, `a day ahead at 6 h each (got ${created.join(', ')})`);
      const messages = await partitions(sql, 'messages');
      assert.equal(messages[0]?.name, 'messages_initial', 'the tables as they were are the first partition');
      assert.equal(messages[0]?.from, null);
      assert.equal(messages.at(-1)?.name, 'messages_default');
      const ranged = messages.filter((p) => p.to !== null);
      for (let i = 1; i < ranged.length; i++) {
        assert.equal(ranged[i]!.from, ranged[i - 1]!.to, 'no gap, no overlap');
        assert.equal(idTime(ranged[i]!.to!) % (6 * HOUR), 0, 'each ends on a boundary');
        assert.match(ranged[i]!.name, /^messages_p\d{10}$/);
      }
      assert.ok(idTime(ranged.at(-1)!.to!) >= now + DAY, 'at least a day ahead');
      for (const table of ['deliveries', 'attempts']) {
        assert.deepEqual(
          (await partitions(sql, table)).map((p) => [p.name.replace(table, ''), p.from, p.to]),
          messages.map((p) => [p.name.replace('messages', ''), p.from, p.to]),
          `${table} has the same periods`,
        );
      }

      // A longer interval later continues from the last bound, gap-free.
      await store.prepareStorage(now + 10 * DAY, DAY);
      const longer = (await partitions(sql, 'messages')).filter((p) => p.to !== null);
      for (let i = 1; i < longer.length; i++) assert.equal(longer[i]!.from, longer[i - 1]!.to);
      assert.ok(idTime(longer.at(-1)!.to!) >= now + 11 * DAY);
    }));

  it('moves rows the default partition caught into the partition made for them', () =>
    target.with(async ({ store, sql }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const [ep] = await store.listEndpoints(app.id);
      await store.prepareStorage(Date.now(), DAY);
      // A message from a period no process has prepared yet (its clock is a month on).
      const later = Date.now() + 30 * DAY;
      const id = `${idFloor('msg', later)}00000000000001`;
      await sql(`INSERT INTO messages (id, app_id, state, received_at, payload) VALUES ($1, $2, 'accepted', $3, $4)`, [
        id,
        app.id,
        later,
        Buffer.from('{}'),
      ]);
      await sql(
        `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, next_attempt_at, created_at, updated_at)
      VALUES ('dlv_x', $1, $2, $3, 'succeeded', NULL, $4, $4)`,
        [id, ep!.id, app.id, later],
      );
      await sql(
        `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, url, trigger, started_at, duration_ms, succeeded)
      VALUES ('atmpt_x', 'dlv_x', $1, $2, $3, 'http://127.0.0.1:9/', 'scheduled', $4, 1, true)`,
        [id, ep!.id, app.id, later],
      );
      const home = async (table: string, key: string): Promise<string> =>
        (await sql(`SELECT tableoid::regclass::text AS t FROM ${table} WHERE ${key} = $1`, [id]))[0]?.t as string;
      assert.equal(await home('messages', 'id'), 'messages_default');

      const created = await store.prepareStorage(later, DAY);
      assert.ok(created.length >= 30);
      assert.match(await home('messages', 'id'), /^messages_p\d{10}$/);
      assert.match(await home('deliveries', 'message_id'), /^deliveries_p\d{10}$/);
      assert.match(await home('attempts', 'message_id'), /^attempts_p\d{10}$/);
      for (const table of ['messages', 'deliveries', 'attempts']) {
        assert.equal(Number((await sql(`SELECT count(*) AS n FROM ${table}_default`))[0]?.n), 0, `${table}_default is empty again`);
      }
      assert.equal((await store.getMessage(app.id, id))?.id, id, 'and the store still finds it');
      assert.equal((await store.listAttempts({ appId: app.id, limit: 10 })).data.length, 1);
    }));

  it('prepares once when several processes start together', () =>
    target.with(async ({ store, another, sql }) => {
      const stores = [store, await another(), await another()];
      const created = await Promise.all(stores.map((s) => s.prepareStorage(Date.now(), 4 * HOUR)));
      assert.equal(created.filter((c) => c.length > 0).length, 1, 'one of them did the work');
      const ranged = (await partitions(sql, 'messages')).filter((p) => p.to !== null);
      assert.equal(new Set(ranged.map((p) => p.name)).size, ranged.length);
    }));
}
