export type BrokerType = 'rabbitmq' | 'nats' | 'redis';
export const BROKER_TYPES: readonly BrokerType[] = ['rabbitmq', 'nats', 'redis'];

/**
 * Where a broker endpoint publishes, as its stored URL: the scheme is the type,
 * the host the name of a connection under `brokers:` in the config (never the
 * broker's own address or credentials, which stay in the config), the path the
 * exchange / subject / stream:
 *
 * - `rabbitmq://main/webhooks?routingKey=sluice.{eventType}`
 * - `nats://main/webhooks.{eventType}`
 * - `redis://main/webhooks?maxLen=100000`
 */
export interface BrokerTarget {
  type: BrokerType;
  connection: string;
  /** Exchange (RabbitMQ), subject (NATS) or stream key (Redis); may hold `{eventType}`. */
  destination: string;
  /** RabbitMQ's routing key template. */
  routingKey: string;
  /** Redis' approximate stream cap (`MAXLEN ~`). */
  maxLen: number;
}

export const DEFAULT_ROUTING_KEY = '{eventType}';
export const DEFAULT_MAX_LEN = 1_000_000;

export function brokerTypeOf(url: string): BrokerType | undefined {
  const scheme = url.slice(0, url.indexOf(':'));
  return (BROKER_TYPES as readonly string[]).includes(scheme) ? (scheme as BrokerType) : undefined;
}

export function parseBrokerTarget(endpoint: { url: string }): BrokerTarget {
  const type = brokerTypeOf(endpoint.url);
  if (!type) throw new Error(`not a broker endpoint: ${endpoint.url}`);
  const url = new URL(endpoint.url);
  const maxLen = Number(url.searchParams.get('maxLen') ?? DEFAULT_MAX_LEN);
  return {
    type,
    connection: decodeURIComponent(url.hostname),
    destination: decodeURIComponent(url.pathname.replace(/^\//, '')),
    routingKey: url.searchParams.get('routingKey') ?? DEFAULT_ROUTING_KEY,
    maxLen: Number.isInteger(maxLen) && maxLen > 0 ? maxLen : DEFAULT_MAX_LEN,
  };
}

export function brokerUrl(t: BrokerTarget): string {
  const query = new URLSearchParams();
  if (t.type === 'rabbitmq' && t.routingKey !== DEFAULT_ROUTING_KEY) query.set('routingKey', t.routingKey);
  if (t.type === 'redis' && t.maxLen !== DEFAULT_MAX_LEN) query.set('maxLen', String(t.maxLen));
  const q = query.toString();
  return `${t.type}://${encodeURIComponent(t.connection)}/${encodeURIComponent(t.destination)}${q ? `?${q}` : ''}`;
}
