import type { Transformation } from '../store/records.ts';
import { BROKER_TYPES, brokerUrl, DEFAULT_MAX_LEN, DEFAULT_ROUTING_KEY, type BrokerType } from './broker-target.ts';
import { defaults } from './defaults.ts';
import type { Section } from './section.ts';
import type { BrokerConfig, TransformLimitsConfig } from './types.ts';

/**
 * `transformation:` on an endpoint or a source: the code as a string, or a
 * mapping `{ code, enabled }`. Whether it compiles is not judged here (that
 * needs the engine); the first delivery or `…/transformation/test` says so.
 */
export function readTransformation(section: Section): Transformation | null | undefined {
  const raw = section.value.transformation;
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  let code: string | undefined;
  let enabled = true;
  if (typeof raw === 'string') code = raw;
  else {
    const t = section.child('transformation');
    if (!t) return undefined;
    t.onlyKeys(['code', 'enabled']);
    code = t.str('code', { required: true });
    enabled = t.bool('enabled') ?? true;
  }
  if (code === undefined) return undefined;
  if (code.trim() === '') return section.problem('transformation', 'the code must not be empty');
  if (Buffer.byteLength(code) > defaults.transformMaxCodeBytes)
    return section.problem('transformation', `the code may be at most ${defaults.transformMaxCodeBytes} bytes`);
  return { code, enabled };
}

/** `transformations: { timeout, memoryLimit }`: the limits of every call. */
export function readTransformLimits(top: Section): TransformLimitsConfig {
  const t = top.child('transformations');
  t?.onlyKeys(['timeout', 'memoryLimit']);
  return {
    timeoutMs: t?.duration('timeout', { min: 1, max: 10_000 }) ?? defaults.transformTimeoutMs,
    memoryBytes: t?.size('memoryLimit', { min: 1024 * 1024, max: 1024 * 1024 * 1024 }) ?? defaults.transformMemoryBytes,
  };
}

const BROKER_SCHEMES: Record<BrokerType, string[]> = {
  rabbitmq: ['amqp:', 'amqps:'],
  nats: ['nats:', 'tls:'],
  redis: ['redis:', 'rediss:'],
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `brokers: { NAME: { type, url } }`: connections broker endpoints name; URLs checked, never echoed (they hold credentials). */
export function readBrokers(top: Section): Record<string, BrokerConfig> {
  const out: Record<string, BrokerConfig> = {};
  const brokers = top.child('brokers');
  for (const name of Object.keys(brokers?.value ?? {})) {
    const b = brokers?.child(name);
    if (!b) continue;
    if (!NAME.test(name)) b.problem('', 'broker names use letters, digits, _ and - (at most 64)');
    b.onlyKeys(['type', 'url', 'allowApplications', 'destinationPrefix']);
    const allowApplications = b.strList('allowApplications') ?? [];
    for (const uid of allowApplications)
      if (uid !== '*' && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,255}$/.test(uid))
        b.problem('allowApplications', `"${uid}" is neither an application uid nor *`);
    const destinationPrefix = b.str('destinationPrefix') ?? null;
    if (destinationPrefix === '') b.problem('destinationPrefix', 'must not be empty (leave it out to allow any destination)');
    const type = b.oneOf('type', BROKER_TYPES, 'rabbitmq');
    if (!b.has('type')) b.problem('type', `required (one of ${BROKER_TYPES.join(', ')})`);
    const url = b.str('url', { required: true });
    if (!type || url === undefined) continue;
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {
      b.problem('url', 'is not a URL');
      continue;
    }
    if (!BROKER_SCHEMES[type].includes(protocol))
      b.problem('url', `a ${type} URL starts with ${BROKER_SCHEMES[type].map((s) => `${s}//`).join(' or ')}`);
    else out[name] = { name, type, url, allowApplications, destinationPrefix };
  }
  return out;
}

/**
 * A broker endpoint's keys (`type`, `connection`, `exchange`/`routingKey`,
 * `subject`, `stream`/`maxLen`), turned into its stored URL; `undefined` for
 * an http endpoint (no `type`, or `type: http`).
 */
export function readBrokerEndpoint(ep: Section, brokers: Record<string, BrokerConfig>): string | undefined {
  const type = ep.oneOf('type', ['http', ...BROKER_TYPES] as const, 'http');
  if (type === undefined || type === 'http') return undefined;
  if (ep.has('url')) ep.problem('url', `a ${type} endpoint names its connection instead (connection: NAME under brokers:)`);
  const connection = ep.str('connection', { required: true });
  const broker = connection === undefined ? undefined : brokers[connection];
  if (connection !== undefined && !broker)
    ep.problem('connection', `"${connection}" is not under brokers (known: ${Object.keys(brokers).join(', ') || 'none'})`);
  else if (broker && broker.type !== type) ep.problem('connection', `"${connection}" is a ${broker.type} connection, not ${type}`);
  const key = type === 'rabbitmq' ? 'exchange' : type === 'nats' ? 'subject' : 'stream';
  const destination = ep.str(key, { required: true });
  const routingKey = ep.str('routingKey') ?? DEFAULT_ROUTING_KEY;
  const maxLen = ep.int('maxLen', { min: 1, max: 1_000_000_000 }) ?? DEFAULT_MAX_LEN;
  for (const other of ['exchange', 'routingKey', 'subject', 'stream', 'maxLen'].filter(
    (k) => k !== key && !(k === 'routingKey' && type === 'rabbitmq') && !(k === 'maxLen' && type === 'redis'),
  )) {
    if (ep.has(other)) ep.problem(other, `does not apply to a ${type} endpoint`);
  }
  if (connection === undefined || destination === undefined) return undefined;
  return brokerUrl({ type, connection, destination, routingKey, maxLen });
}
