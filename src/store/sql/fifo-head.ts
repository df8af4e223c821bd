/**
 * The FIFO head rule (`delivery/fifo-head.ts`, `StoreRules.isFifoHead`) as a
 * condition over `deliveries d JOIN endpoints e`, written once for both
 * databases: a due delivery is a candidate unless its endpoint is FIFO and it
 * is not the head of its (endpoint, ordering key). Anything of the key in
 * flight, or waiting with a lower (sequence, arrival), or dead below it under
 * `onDead: block`, holds it back; an attempted one (`scheduled`) goes before
 * every unattempted one, even a lower sequence that arrived since (the
 * receiver may have processed the failed attempt). See docs/ordering.md.
 *
 * Why it stays in SQL when every other lease rule is decided in TypeScript:
 * the lease reads walk the due queue oldest first and must pass over non-heads
 * inside the statement. Deciding heads in TypeScript would mean reading each
 * key's whole open backlog, or a window that a key with a long backlog fills
 * with rows that cannot go (the SQLite store's per-key walk, `fifoHeads`, reads
 * at most four rows of a key and applies the TypeScript rule to them). The
 * conformance suite's liveness property checks what both stores lease against
 * the TypeScript rule on random histories.
 *
 * `e.fifo` is a boolean in PostgreSQL and 0/1 in SQLite; `NOT e.fifo` reads both.
 */
export const FIFO_HEAD = `(NOT e.fifo OR d.ordering_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key AND p.id <> d.id
    AND (p.state = 'in_flight'
      OR (p.state = 'scheduled' AND d.state = 'pending')
      OR ((p.state = d.state OR (p.state = 'dead' AND e.on_dead = 'block'))
        AND (COALESCE(p.sequence, p.created_at) < COALESCE(d.sequence, d.created_at)
          OR (COALESCE(p.sequence, p.created_at) = COALESCE(d.sequence, d.created_at) AND p.id < d.id))))))`;
