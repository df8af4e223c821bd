import type { SourceSigners } from '../provider-signature.ts';
import type { Deliverer } from '../deliverer.ts';
import type { BrokerConnections } from './connections.ts';
import { brokerMessage, confirmed } from './publish.ts';
import { fillTemplate, parseBrokerTarget } from './target.ts';

/**
 * RabbitMQ endpoints: a publisher-confirmed publish to the endpoint's exchange
 * with its routing key (`{eventType}` filled in), persistent, the message id as
 * AMQP `message-id` and the webhook headers as AMQP headers.
 */
export function rabbitmqDeliverer(connections: BrokerConnections, signers?: SourceSigners): Deliverer {
  return {
    send: (leased, timeoutMs, shutdown) =>
      confirmed(timeoutMs, shutdown, async () => {
        const target = parseBrokerTarget(leased.endpoint);
        const { channel } = await connections.rabbit(target.connection);
        const at = Date.now();
        const { body, headers } = brokerMessage(leased, at, signers);
        const routingKey = fillTemplate(target.routingKey, leased.message.eventType);
        await new Promise<void>((resolve, reject) => {
          const options = {
            persistent: true,
            messageId: leased.message.id,
            timestamp: Math.floor(at / 1000),
            contentType: headers['content-type'],
            type: leased.message.eventType ?? undefined,
            headers,
          };
          const sent = channel.publish(target.destination, routingKey, body, options, (err) =>
            err ? reject(new Error(`RabbitMQ refused the message: ${String(err)}`)) : resolve(),
          );
          // A full write buffer only delays the confirm; the callback still settles it.
          void sent;
        });
        return `confirmed by RabbitMQ (exchange ${target.destination}, routing key ${routingKey})`;
      }),
  };
}
