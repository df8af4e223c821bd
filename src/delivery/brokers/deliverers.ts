import type { Deliverer } from '../deliverer.ts';
import type { SourceSigners } from '../provider-signature.ts';
import type { BrokerConnections } from './connections.ts';
import { natsDeliverer } from './nats.ts';
import { rabbitmqDeliverer } from './rabbitmq.ts';
import { redisDeliverer } from './redis.ts';
import type { BrokerType } from './target.ts';

/** One deliverer per broker type over the process's shared connections (docs/destinations.md: adding a type). */
export function brokerDeliverers(connections: BrokerConnections, signers?: SourceSigners): Record<BrokerType, Deliverer> {
  return {
    rabbitmq: rabbitmqDeliverer(connections, signers),
    nats: natsDeliverer(connections, signers),
    redis: redisDeliverer(connections, signers),
  };
}
