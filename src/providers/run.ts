import type { HandshakeReply, InboundEvent, InboundRequest, ProviderInstance } from './types.ts';

export type ProviderOutcome =
  | { kind: 'reply'; reply: HandshakeReply }
  | { kind: 'rejected'; reason: string }
  | { kind: 'events'; events: InboundEvent[] };

/**
 * A provider's steps in the order the gateway runs them: unsigned handshake,
 * verification, signed handshake, extraction. Used by the SDK so a receiver
 * behaves exactly as the gateway does.
 */
export function runProvider(provider: ProviderInstance, req: InboundRequest, body: unknown, nowMs: number): ProviderOutcome {
  const early = provider.unsignedHandshake?.(req, body);
  if (early) return { kind: 'reply', reply: early };
  const verdict = provider.verify(req, nowMs);
  if (!verdict.ok) return { kind: 'rejected', reason: verdict.reason };
  const handshake = provider.handshake?.(req, body);
  if (handshake) return { kind: 'reply', reply: handshake };
  const extracted = provider.extract(req, body);
  return { kind: 'events', events: Array.isArray(extracted) ? extracted : [extracted] };
}
