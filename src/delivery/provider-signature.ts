import { isForwarded, matches, type ForwardRule } from '../providers/forwarded.ts';
import type { ProviderInstance } from '../providers/types.ts';
import type { ProviderSignature } from '../store/records.ts';

/** What the deliverer knows of an inbound message's source: which headers travel on, and how to sign afresh. */
export interface SourceSigner {
  rule: ForwardRule;
  provider: Pick<ProviderInstance, 'resign'>;
}

/** The sources of this process by name (`sources:` in the config), for the deliverer. */
export type SourceSigners = ReadonlyMap<string, SourceSigner>;

export interface ProviderHeaders {
  /** The sender's headers to send with this attempt. */
  headers: Record<string, string>;
  /** Standard Webhooks signatures to add to Sluice's own signature header (same id and timestamp). */
  extraSignatures: string[];
}

/** Used when a message's source is no longer configured: nothing of the sender's travels on but what no rule forbids and nothing signs. */
const UNKNOWN: SourceSigner = { rule: { headers: [], signature: [] }, provider: {} };

/**
 * The provider's headers of one attempt. The stored headers are filtered again
 * by the source's rule (messages stored before a rule changed carry no more than
 * it allows now), then the signature part is kept (`forward`), removed (`drop`)
 * or made anew at `nowMs` with the source's secret (`resign`; where the
 * provider's scheme cannot be made here, the received headers are forwarded).
 */
export function providerHeaders(
  stored: Record<string, string>,
  mode: ProviderSignature,
  signer: SourceSigner | undefined,
  attempt: { payload: Buffer; nowMs: number; messageId: string },
): ProviderHeaders {
  const { rule, provider } = signer ?? UNKNOWN;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!isForwarded(rule, name)) continue;
    if (mode === 'drop' && matches(rule.signature, name)) continue;
    headers[name] = value;
  }
  const extraSignatures: string[] = [];
  if (mode !== 'resign' || !provider.resign) return { headers, extraSignatures };
  const fresh = provider.resign(attempt.payload, attempt.nowMs, attempt.messageId);
  if (Object.keys(fresh).length === 0) return { headers, extraSignatures };
  for (const name of Object.keys(headers)) if (matches(rule.signature, name)) delete headers[name];
  for (const [name, value] of Object.entries(fresh)) {
    if (name === 'webhook-signature') extraSignatures.push(...value.split(' ').filter(Boolean));
    else headers[name] = value;
  }
  return { headers, extraSignatures };
}
