import type { JsMsg } from '@nats-io/jetstream';
import { BROKER_ID_HEADER, consumerName } from './provider.ts';
import { BrokerConsumer, type ConsumedMessage } from './consumer.ts';

/**
 * `provider: nats`: a durable JetStream pull consumer on an existing stream,
 * created when missing (explicit acks, at most `prefetch` unacknowledged). A
 * message is acked (and the ack confirmed) once stored; while the store fails
 * it is nak'd for redelivery. The client does not reconnect by itself: a lost
 * connection ends the session, and the consumer's own backoff opens a new one.
 */
export class NatsConsumer extends BrokerConsumer {
  protected async session(): Promise<void> {
    const [{ connect }, { jetstream, jetstreamManager, AckPolicy, DeliverPolicy }] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
    ]);
    const parsed = new URL(this.url);
    const auth = parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : {};
    const connection = await connect({ servers: `${parsed.hostname}:${parsed.port || 4222}`, ...auth, reconnect: false, timeout: 5_000 });
    try {
      const durable = consumerName(this.name, this.options);
      const jsm = await jetstreamManager(connection);
      const existing = await jsm.consumers.info(this.options.from, durable).catch(() => undefined);
      if (!existing) {
        await jsm.consumers.add(this.options.from, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          max_ack_pending: this.options.prefetch,
          ...(this.options.subject ? { filter_subject: this.options.subject } : {}),
        });
        this.log.info({ source: this.name, from: this.where, consumer: durable }, 'source: created the durable JetStream consumer');
      }
      const consumer = await jetstream(connection).consumers.get(this.options.from, durable);
      const messages = await consumer.consume({ max_messages: this.options.prefetch });
      this.consuming();
      const stop = (): void => void messages.stop();
      this.stopping.signal.addEventListener('abort', stop, { once: true });
      void connection.closed().then(stop);
      try {
        for await (const m of messages) {
          this.take(this.message(m), async (s) => {
            if (s === 'retry') return m.nak();
            if (!(await m.ackAck())) throw new Error('JetStream did not confirm the ack');
          });
        }
      } finally {
        this.stopping.signal.removeEventListener('abort', stop);
      }
      if (!this.stopping.signal.aborted)
        throw new Error(connection.isClosed() ? 'the connection closed' : 'the JetStream consumer stopped delivering');
      await this.drained();
    } finally {
      await connection.drain().catch(() => connection.close().catch(() => undefined));
    }
  }

  private message(m: JsMsg): ConsumedMessage {
    const headers: Record<string, string> = {};
    for (const [name, values] of m.headers ?? []) headers[name.toLowerCase()] = values.join(', ');
    headers['content-type'] ??= this.options.contentType;
    headers['nats-subject'] = m.subject;
    headers[BROKER_ID_HEADER] = headers['nats-msg-id'] ?? `${m.info.stream}:${m.seq}`;
    return { body: Buffer.from(m.data), headers, url: `${this.where}?subject=${encodeURIComponent(m.subject)}` };
  }
}
