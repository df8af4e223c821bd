// The stored URL form is configuration vocabulary (the YAML's broker endpoints are read into it); publishing fills the templates.
export {
  BROKER_TYPES,
  type BrokerTarget,
  type BrokerType,
  brokerTypeOf,
  brokerUrl,
  DEFAULT_MAX_LEN,
  DEFAULT_ROUTING_KEY,
  parseBrokerTarget,
} from '../../config/broker-target.ts';

/** `{eventType}` in a subject, routing key or stream name; a message without a type uses `unknown`. */
export function fillTemplate(template: string, eventType: string | null): string {
  return template.replaceAll('{eventType}', eventType ?? 'unknown');
}
