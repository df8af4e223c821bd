import type { SourceSigners } from '../provider-signature.ts';
import type { Deliverer } from '../deliverer.ts';
import type { BrokerConnections } from './connections.ts';
import { brokerMessage, confirmed } from './publish.ts';
import { fillTemplate, parseBrokerTarget } from './target.ts';

/**
 * NATS JetStream endpoints: `publish` with the stream's ack, `Nats-Msg-Id` set
 * to the message id so JetStream's own duplicate window drops a retried publish
 * that had landed, and the webhook headers as NATS headers.
 */
export function natsDeliverer(connections: BrokerConnections, signers?: SourceSigners): Deliverer {
  return {
    send: (leased, timeoutMs, shutdown) =>
      confirmed(timeoutMs, shutdown, async () => {
        const target = parseBrokerTarget(leased.endpoint);
        const { js, headers: natsHeaders } = await connections.jetstream(target.connection);
        const { body, headers } = brokerMessage(leased, Date.now(), signers);
        const h = natsHeaders();
        for (const [name, value] of Object.entries(headers)) h.set(name, value);
        const subject = fillTemplate(target.destination, leased.message.eventType);
        const ack = await js.publish(subject, body, { msgID: leased.message.id, headers: h, timeout: timeoutMs });
        return `acked by JetStream (stream ${ack.stream}, sequence ${ack.seq}${ack.duplicate ? ', duplicate' : ''})`;
      }),
  };
}
