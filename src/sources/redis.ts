import { BROKER_ID_HEADER, BROKER_TYPE_HEADER, consumerName } from './provider.ts';
import { BrokerConsumer, headerText, type ConsumedMessage } from './consumer.ts';

type Entry = [id: string, fields: string[]];
const BLOCK_MS = 1_000;
/** Another consumer's entry unacknowledged this long is taken over (that consumer died before its commit). */
const CLAIM_IDLE_MS = 60_000;

/**
 * `provider: redis`: a consumer group on a stream (created with the stream
 * when missing, from its start). Entries are read with `XREADGROUP`; each is
 * `XACK`ed once stored. An entry left unacknowledged — the store failed, or
 * this process was killed before its commit — is read again from this
 * consumer's pending list, and a dead consumer's are claimed after a minute.
 * Fields: `body` (the bytes), `headers` (a JSON object), `id`, `type`; any
 * other field is a header.
 */
export class RedisConsumer extends BrokerConsumer {
  protected async session(): Promise<void> {
    const { Redis } = await import('ioredis');
    // A client of its own: XREADGROUP BLOCK holds the connection, and a lost one must end the session, not queue commands.
    const client = new Redis(this.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 5_000,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const stream = this.options.from;
      const group = this.options.group;
      const consumer = consumerName(this.name, this.options);
      await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) throw err;
      });
      this.consuming();
      // This consumer's own pending entries first: what a previous run read and never acknowledged.
      let backlog = true;
      let lastClaim = 0;
      while (!this.stopping.signal.aborted) {
        let entries: Entry[] = [];
        if (Date.now() - lastClaim > CLAIM_IDLE_MS / 2) {
          lastClaim = Date.now();
          const claimed = (await client.xautoclaim(stream, group, consumer, CLAIM_IDLE_MS, '0-0', 'COUNT', this.options.prefetch)) as [
            string,
            Entry[],
          ];
          entries = claimed[1];
        }
        if (entries.length === 0) {
          const reply = await client.call(
            'XREADGROUP',
            'GROUP',
            group,
            consumer,
            'COUNT',
            String(this.options.prefetch),
            ...(backlog ? [] : ['BLOCK', String(BLOCK_MS)]),
            'STREAMS',
            stream,
            backlog ? '0' : '>',
          );
          entries = streamEntries(reply);
          if (backlog && entries.length === 0) backlog = false;
        }
        // An entry trimmed or deleted while pending comes back without fields: nothing to ingest, only to forget.
        const gone = entries.filter((e) => !Array.isArray(e[1])).map((e) => e[0]);
        if (gone.length > 0) await client.xack(stream, group, ...gone);
        entries = entries.filter((e) => Array.isArray(e[1]));
        let retry = false;
        const settled = entries.map(
          (entry) =>
            new Promise<void>((resolve) => {
              this.take(this.message(entry), async (s) => {
                try {
                  if (s === 'retry') retry = true;
                  else await client.xack(stream, group, entry[0]);
                } finally {
                  resolve();
                }
              });
            }),
        );
        // One batch at a time: the pending list is the only record of what is in hand, so it is read again only once settled.
        await Promise.all(settled);
        if (retry) backlog = true;
      }
      await this.drained();
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
  }

  private message([id, fields]: Entry): ConsumedMessage {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] as string, fields[i + 1] as string);
    const headers: Record<string, string> = {};
    for (const [name, value] of f) if (!['body', 'headers', 'id', 'type'].includes(name)) headers[name.toLowerCase()] = value;
    const given = f.get('headers');
    if (given !== undefined) {
      try {
        const parsed = JSON.parse(given) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          for (const [name, value] of Object.entries(parsed)) {
            const text = headerText(value);
            if (text !== undefined) headers[name.toLowerCase()] = text;
          }
        }
      } catch {
        headers['sluice-broker-headers-error'] = 'the headers field is not a JSON object';
      }
    }
    headers['content-type'] ??= this.options.contentType;
    headers['redis-entry-id'] = id;
    headers[BROKER_ID_HEADER] = f.get('id') ?? id;
    const type = f.get('type');
    if (type !== undefined) headers[BROKER_TYPE_HEADER] = type;
    return { body: Buffer.from(f.get('body') ?? ''), headers, url: `${this.where}?entry=${id}` };
  }
}

/** The entries of one stream in an XREADGROUP reply (`[[key, entries]]`, or `[key, entries]` as some client versions give it; null when none). */
function streamEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const one = (Array.isArray(reply[0]) ? reply[0] : reply) as [string, unknown];
  const entries = Array.isArray(one[1]) ? (one[1] as Entry[]) : [];
  return entries.filter((e) => Array.isArray(e) && typeof e[0] === 'string');
}
