import type { ConsumeMessage } from 'amqplib';
import { BROKER_ID_HEADER, BROKER_TYPE_HEADER } from './provider.ts';
import { BrokerConsumer, headerText, type ConsumedMessage } from './consumer.ts';

/**
 * `provider: rabbitmq`: consumes an existing queue with manual acknowledgement
 * and a prefetch window. A message is acked once stored; while the store fails
 * it is requeued (after a pause). A connection or channel that closes ends the
 * session and the consumer reconnects; unacked messages go back to the queue.
 */
export class RabbitmqConsumer extends BrokerConsumer {
  protected async session(): Promise<void> {
    const amqp = (await import('amqplib')).default;
    const connection = await amqp.connect(this.url, { timeout: 5_000 });
    try {
      const lost = new Promise<never>((_, reject) => {
        connection.on('error', (err: Error) => reject(new Error(`connection error: ${err.message}`, { cause: err })));
        connection.on('close', () => reject(new Error('the connection closed')));
      });
      lost.catch(() => undefined);
      const channel = await connection.createChannel();
      const closed = new Promise<never>((_, reject) => {
        channel.on('error', (err: Error) => reject(new Error(`channel error: ${err.message}`, { cause: err })));
        channel.on('close', () => reject(new Error('the channel closed')));
      });
      closed.catch(() => undefined);
      // Checked, not declared: the queue, its bindings and its durability are the operator's.
      await channel.checkQueue(this.options.from);
      await channel.prefetch(this.options.prefetch);
      let cancelled: (err: Error) => void = () => undefined;
      const serverCancel = new Promise<never>((_, reject) => (cancelled = reject));
      serverCancel.catch(() => undefined);
      const { consumerTag } = await channel.consume(
        this.options.from,
        (m) => {
          if (!m) return cancelled(new Error(`the broker cancelled the consumer (queue ${this.options.from} deleted?)`));
          this.take(this.message(m), (s) => (s === 'ack' ? channel.ack(m) : channel.nack(m, false, true)));
        },
        { noAck: false },
      );
      this.consuming();
      const stopped = new Promise<void>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([lost, closed, serverCancel, stopped]);
      await channel.cancel(consumerTag).catch(() => undefined);
      await this.drained();
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  private message(m: ConsumeMessage): ConsumedMessage {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(m.properties.headers ?? {})) {
      const text = headerText(value);
      if (text !== undefined) headers[name.toLowerCase()] = text;
    }
    headers['content-type'] = headerText(m.properties.contentType) ?? headers['content-type'] ?? this.options.contentType;
    const id = headerText(m.properties.messageId);
    const type = headerText(m.properties.type);
    if (id) headers[BROKER_ID_HEADER] = id;
    if (type) headers[BROKER_TYPE_HEADER] = type;
    return { body: m.content, headers, url: `${this.where}?routingKey=${encodeURIComponent(m.fields.routingKey)}` };
  }
}
