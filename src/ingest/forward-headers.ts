import { isForwarded, type ForwardRule } from '../providers/forwarded.ts';

const MAX_FORWARDED = 64;

/**
 * The sender's headers kept with the message and sent on with each delivery:
 * only those its provider's rule allows (`providers/forwarded.ts`), so a
 * handler written for the provider (its signature, event name, delivery id)
 * keeps working behind Sluice, while the credential the source authenticates
 * with, request-rewriting headers and the sender's own `svix-*`/`webhook-*`
 * are neither stored nor forwarded.
 */
export function forwardedHeaders(headers: Record<string, string | string[] | undefined>, rule: ForwardRule): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !isForwarded(rule, name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    if (++count >= MAX_FORWARDED) break;
  }
  return out;
}
