import type { SourceSigners } from '../provider-signature.ts';
import type { Deliverer } from '../deliverer.ts';
import type { BrokerConnections } from './connections.ts';
import { brokerMessage, confirmed } from './publish.ts';
import { fillTemplate, parseBrokerTarget } from './target.ts';

/**
 * Redis Streams endpoints: `XADD stream MAXLEN ~ cap *` with the fields `id`
 * (the message id), `body` (the bytes) and `headers` (the webhook headers as a
 * JSON object); the entry id Redis answers is the confirmation.
 */
export function redisDeliverer(connections: BrokerConnections, signers?: SourceSigners): Deliverer {
  return {
    send: (leased, timeoutMs, shutdown) =>
      confirmed(timeoutMs, shutdown, async () => {
        const target = parseBrokerTarget(leased.endpoint);
        const client = await connections.redisClient(target.connection);
        const { body, headers } = brokerMessage(leased, Date.now(), signers);
        const stream = fillTemplate(target.destination, leased.message.eventType);
        const entry = await client.xadd(
          stream,
          'MAXLEN',
          '~',
          String(target.maxLen),
          '*',
          'id',
          leased.message.id,
          'body',
          body,
          'headers',
          JSON.stringify(headers),
        );
        return `added to Redis stream ${stream} as ${entry}`;
      }),
  };
}
