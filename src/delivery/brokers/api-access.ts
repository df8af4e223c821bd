import type { BrokerConfig } from '../../config/types.ts';
import { brokerTypeOf, parseBrokerTarget } from './target.ts';

/** `allowApplications: ["*"]`: every application, those made through the API included. */
export const EVERY_APPLICATION = '*';

/**
 * Why an endpoint made or changed through the API (an operator's token or a
 * tenant's portal token) may not publish to `url`, or null when it may. A
 * connection is closed to the API unless the operator names the application
 * in `brokers.NAME.allowApplications`, and then only below the connection's
 * `destinationPrefix` (with `{app}` the application's uid), so a tenant never
 * reaches the operator's own exchanges, subjects or streams. An unknown
 * connection and a closed one get the same answer: a tenant learns nothing
 * about which connections exist.
 */
export function brokerEndpointRefusal(url: string, appUid: string | null, brokers: Record<string, BrokerConfig>): string | null {
  const type = brokerTypeOf(url);
  if (!type) return null;
  let target: ReturnType<typeof parseBrokerTarget>;
  try {
    target = parseBrokerTarget({ url });
  } catch {
    return `"${url}" is not a ${type}:// endpoint URL (${type}://CONNECTION/DESTINATION)`;
  }
  const broker = brokers[target.connection];
  const allowed = broker?.allowApplications.some((a) => a === EVERY_APPLICATION || (appUid !== null && a === appUid));
  if (!broker || !allowed) {
    return `broker connection "${target.connection}" is not open to this application (the operator lists it in brokers.${target.connection}.allowApplications)`;
  }
  if (broker.type !== type) return `connection "${target.connection}" is a ${broker.type} connection, not ${type}`;
  if (target.destination === '')
    return `names no ${type === 'rabbitmq' ? 'exchange' : type === 'nats' ? 'subject' : 'stream'} after the connection`;
  const prefix = broker.destinationPrefix?.replaceAll('{app}', appUid ?? '');
  if (prefix && !target.destination.startsWith(prefix))
    return `must publish below "${prefix}" on connection "${target.connection}" (brokers.${target.connection}.destinationPrefix)`;
  return null;
}
