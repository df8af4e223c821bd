import { defaults } from '../config/defaults.ts';
import { anyMatch, at, checkAge, decode, fail, mac, parseJson, text, time } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

/**
 * Linear: `linear-signature` = hex HMAC-SHA256 of the raw body. The signed
 * body carries `webhookTimestamp` (ms), which Linear asks receivers to hold
 * to one minute.
 */
export const linear: ProviderDefinition<Record<string, never>> = {
  name: 'linear',
  keys: [],
  needsSecret: true,
  defaultToleranceMs: defaults.linearToleranceMs,
  parseOptions: () => ({}),
  create(source) {
    return {
      verify(req, nowMs) {
        const signature = header(req, 'linear-signature');
        if (!signature) return fail('missing linear-signature header');
        if (!anyMatch(source.secrets, [decode(signature, 'hex')], (s) => mac('sha256', s, req.rawBody)))
          return fail('no signature matches');
        const stamp = at(parseJson(req.rawBody), 'webhookTimestamp');
        return checkAge(typeof stamp === 'number' ? stamp : Number.NaN, nowMs, source.toleranceMs, 'webhookTimestamp');
      },
      extract(req, body) {
        const type = text(body, 'type');
        const action = text(body, 'action');
        const stamp = text(body, 'webhookTimestamp');
        return {
          eventId: header(req, 'linear-delivery') ?? (text(body, 'webhookId') && stamp ? `${text(body, 'webhookId')}:${stamp}` : undefined),
          eventType: type && action ? `${type}.${action}` : type,
          occurredAt: time(body, 'createdAt'),
          orderingKey: text(body, 'data', 'id'),
        };
      },
    };
  },
};
