/**
 * Headers never forwarded to endpoints: hop-by-hop ones, credentials meant for
 * Sluice, the body framing (we send the body ourselves), and the Standard
 * Webhooks trio, which Sluice's own signature replaces.
 */
const NOT_FORWARDED = new Set([
  'host', 'content-length', 'content-type', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer',
  'upgrade', 'expect', 'proxy-authorization', 'proxy-connection', 'authorization', 'cookie', 'user-agent',
  'accept', 'accept-encoding', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'forwarded',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'via',
]);

const MAX_FORWARDED = 64;

/**
 * The sender's headers kept with the message and sent on with each delivery,
 * so a handler written for the provider (its signature, event name, delivery
 * id) keeps working behind Sluice.
 */
export function forwardedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name) || name.startsWith('sluice-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
    if (++count >= MAX_FORWARDED) break;
  }
  return out;
}
