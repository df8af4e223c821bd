import type { SourceConfig } from '../config/types.ts';

/**
 * Which of a provider's request headers a delivery carries on, so a handler
 * written for the provider keeps working behind Sluice: its event name,
 * delivery id and signature headers, and nothing else. `signature` is the part
 * that carries the provider's signature (replaced by `providerSignature:
 * resign`, removed by `drop`). Names are lower-case; a trailing `*` is a prefix.
 */
export interface ForwardRule {
  headers: readonly string[];
  signature: readonly string[];
}

const rule = (headers: string[], signature: string[] = []): ForwardRule => ({ headers: [...headers, ...signature], signature });

/**
 * Per provider. Credentials a source authenticates with are never here (a
 * `token` source's header, `X-Gitlab-Token`, basic auth), nor the Standard
 * Webhooks `webhook-*`/`svix-*` trio: Sluice's own signature takes those
 * names, and a sender's beside it makes the `svix` package verify the wrong one.
 */
const RULES: Record<string, ForwardRule> = {
  stripe: rule([], ['stripe-signature']),
  github: rule(
    [
      'x-github-event',
      'x-github-delivery',
      'x-github-hook-id',
      'x-github-hook-installation-target-id',
      'x-github-hook-installation-target-type',
    ],
    ['x-hub-signature-256', 'x-hub-signature'],
  ),
  shopify: rule(
    [
      'x-shopify-topic',
      'x-shopify-shop-domain',
      'x-shopify-api-version',
      'x-shopify-webhook-id',
      'x-shopify-event-id',
      'x-shopify-triggered-at',
      'shopify-topic',
      'shopify-shop-domain',
      'shopify-api-version',
      'shopify-webhook-id',
      'shopify-event-id',
      'shopify-triggered-at',
    ],
    ['x-shopify-hmac-sha256', 'shopify-hmac-sha256'],
  ),
  slack: rule(['x-slack-retry-num', 'x-slack-retry-reason'], ['x-slack-signature', 'x-slack-request-timestamp']),
  twilio: rule(['i-twilio-idempotency-token'], ['x-twilio-signature']),
  'standard-webhooks': rule([]),
  svix: rule([]),
  clerk: rule([]),
  resend: rule([]),
  discord: rule([], ['x-signature-ed25519', 'x-signature-timestamp']),
  zoom: rule(['x-zm-trackingid'], ['x-zm-signature', 'x-zm-request-timestamp']),
  square: rule(['square-environment', 'square-version'], ['x-square-hmacsha256-signature', 'x-square-signature']),
  paddle: rule([], ['paddle-signature']),
  gitlab: rule(['x-gitlab-event', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid', 'x-gitlab-instance', 'idempotency-key']),
  linear: rule(['linear-delivery', 'linear-event'], ['linear-signature']),
  pagerduty: rule(['x-webhook-id', 'x-webhook-subscription'], ['x-pagerduty-signature']),
  hubspot: rule([], ['x-hubspot-signature-v3', 'x-hubspot-request-timestamp', 'x-hubspot-signature', 'x-hubspot-signature-version']),
  woocommerce: rule(
    [
      'x-wc-webhook-source',
      'x-wc-webhook-topic',
      'x-wc-webhook-resource',
      'x-wc-webhook-event',
      'x-wc-webhook-id',
      'x-wc-webhook-delivery-id',
    ],
    ['x-wc-webhook-signature'],
  ),
  typeform: rule([], ['typeform-signature']),
  sendgrid: rule([], ['x-twilio-email-event-webhook-signature', 'x-twilio-email-event-webhook-timestamp']),
  mailgun: rule([]),
  intercom: rule([], ['x-hub-signature']),
  twitch: rule(
    [
      'twitch-eventsub-message-id',
      'twitch-eventsub-message-retry',
      'twitch-eventsub-message-type',
      'twitch-eventsub-subscription-type',
      'twitch-eventsub-subscription-version',
    ],
    ['twitch-eventsub-message-signature', 'twitch-eventsub-message-timestamp'],
  ),
  basic: rule([]),
  token: rule([]),
  // Broker sources: nothing by default (a consumed message's headers are the publisher's own); forwardHeaders names them.
  rabbitmq: rule([]),
  nats: rule([]),
  redis: rule([]),
};

/** Never forwarded whatever a rule says: credentials, request-rewriting headers and the Standard Webhooks names. */
const NEVER =
  /^(authorization|proxy-authorization|cookie|x-gitlab-token|x-http-method-override|x-http-method|x-method-override|x-original-url|x-rewrite-url|(svix|webhook)-.*|sluice-.*)$/;

/** The rule of a source: its provider's, and for `hmac` the signature and timestamp headers it was configured with. */
export function forwardRule(source: Pick<SourceConfig, 'provider' | 'options' | 'forwardHeaders'>): ForwardRule {
  let base = RULES[source.provider] ?? rule([]);
  if (source.provider === 'hmac') {
    const o = source.options as { header?: string; timestampHeader?: string };
    base = rule(
      [],
      [o.header, o.timestampHeader].filter((h): h is string => typeof h === 'string').map((h) => h.toLowerCase()),
    );
  }
  // A source may name more headers its receivers read (a generic sender's event or delivery id); never a credential.
  return source.forwardHeaders?.length ? { headers: [...base.headers, ...source.forwardHeaders], signature: base.signature } : base;
}

export function matches(names: readonly string[], name: string): boolean {
  return names.some((n) => (n.endsWith('*') ? name.startsWith(n.slice(0, -1)) : n === name));
}

/** Whether a header (lower-case name) travels on under this rule. */
export function isForwarded(r: ForwardRule, name: string): boolean {
  return !NEVER.test(name) && matches(r.headers, name);
}

/** Every provider `provider:` may name has a rule (the registry's test checks it against the list of providers). */
export function rulesFor(): ReadonlySet<string> {
  return new Set([...Object.keys(RULES), 'hmac']);
}

/**
 * The headers a source authenticates or signs with, by the names it was
 * configured with (a `token` or `hmac` source's `header`) and its provider's
 * signature headers: a rejected request's copy of them is never kept.
 */
export function credentialHeaders(source: Pick<SourceConfig, 'provider' | 'options' | 'forwardHeaders'>): string[] {
  const configured = (source.options as { header?: unknown }).header;
  const own =
    (source.provider === 'token' || source.provider === 'hmac') && typeof configured === 'string' ? [configured.toLowerCase()] : [];
  return [...own, ...forwardRule(source).signature];
}
