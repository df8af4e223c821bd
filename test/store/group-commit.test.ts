import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../src/store/group-commit.ts';

/** A flush whose batches are recorded and which completes only when the test says so. */
function controlledFlush() {
  const batches: number[][] = [];
  const open: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const flush = (items: number[]): Promise<number[]> => {
    batches.push(items);
    return new Promise((resolve, reject) => {
      open.push({ resolve: () => resolve(items.map((i) => i * 10)), reject });
    });
  };
  return { batches, open, flush };
}

// Two turns: the flush's completion schedules the next batch with its own
// setImmediate, which runs after one registered before it.
const turn = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

describe('group commit', () => {
  it('writes every item submitted in one event-loop turn in one flush, each caller getting its own result', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, 100);
    const results = [1, 2, 3].map((i) => gc.submit(i));
    await turn();
    assert.deepEqual(f.batches, [[1, 2, 3]]);
    f.open[0]?.resolve();
    assert.deepEqual(await Promise.all(results), [10, 20, 30]);
  });

  it('splits a queue longer than maxBatch, and queues what arrives while the flush runs for the next one', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, 2);
    const first = [1, 2, 3].map((i) => gc.submit(i));
    await turn();
    assert.deepEqual(f.batches, [[1, 2]], 'one flush at a time by default');
    const late = gc.submit(4);
    assert.equal(gc.pending, 2);
    f.open[0]?.resolve();
    await Promise.all(first.slice(0, 2));
    await turn();
    assert.deepEqual(f.batches, [
      [1, 2],
      [3, 4],
    ]);
    f.open[1]?.resolve();
    assert.deepEqual(await Promise.all([...first, late]), [10, 20, 30, 40]);
  });

  it('overlaps up to maxInFlight flushes', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, 1, 2);
    const all = [1, 2, 3].map((i) => gc.submit(i));
    await turn();
    assert.deepEqual(f.batches, [[1], [2]], 'two batches commit at once; the third waits');
    f.open[1]?.resolve();
    await all[1];
    await turn();
    assert.deepEqual(f.batches, [[1], [2], [3]]);
    f.open[0]?.resolve();
    f.open[2]?.resolve();
    assert.deepEqual(await Promise.all(all), [10, 20, 30]);
  });

  it('a failed flush rejects that batch only, and the next batch carries on', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, 2);
    const a = gc.submit(1);
    const b = gc.submit(2);
    await turn();
    const c = gc.submit(3);
    f.open[0]?.reject(new Error('disk full'));
    await assert.rejects(a, /disk full/);
    await assert.rejects(b, /disk full/);
    await turn();
    f.open[1]?.resolve();
    assert.equal(await c, 30);
  });

  it('a flush that throws synchronously rejects its batch instead of escaping', async () => {
    const gc = new GroupCommit<number, number>(() => {
      throw new Error('bad statement');
    }, 10);
    await assert.rejects(gc.submit(1), /bad statement/);
  });

  it('drain waits for everything submitted so far', async () => {
    const f = controlledFlush();
    const gc = new GroupCommit(f.flush, 1);
    await gc.drain();
    const items = [gc.submit(1), gc.submit(2)];
    let drained = false;
    const draining = gc.drain().then(() => {
      drained = true;
    });
    await turn();
    f.open[0]?.resolve();
    await items[0];
    await turn();
    assert.equal(drained, false, 'the second item is still being written');
    f.open[1]?.resolve();
    await draining;
    assert.equal(drained, true);
  });
});
