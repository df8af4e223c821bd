import { basic } from './basic.ts';
import { discord } from './discord.ts';
import { github } from './github.ts';
import { gitlab } from './gitlab.ts';
import { hmac } from './hmac.ts';
import { hubspot } from './hubspot.ts';
import { intercom } from './intercom.ts';
import { linear } from './linear.ts';
import { mailgun } from './mailgun.ts';
import { paddle } from './paddle.ts';
import { pagerduty } from './pagerduty.ts';
import { sendgrid } from './sendgrid.ts';
import { shopify } from './shopify.ts';
import { slack } from './slack.ts';
import { square } from './square.ts';
import { clerk, resend, standardWebhooks, svix } from './standard-webhooks.ts';
import { stripe } from './stripe.ts';
import { token } from './token.ts';
import { twilio } from './twilio.ts';
import { twitch } from './twitch.ts';
import { typeform } from './typeform.ts';
import type { ProviderDefinition } from './types.ts';
import { natsSource, rabbitmqSource, redisSource } from '../sources/provider.ts';
import { woocommerce } from './woocommerce.ts';
import { zoom } from './zoom.ts';

/** Every provider by its `provider:` name. Add a provider by adding its file here. */
const definitions = [
  stripe,
  github,
  shopify,
  slack,
  twilio,
  standardWebhooks,
  svix,
  clerk,
  resend,
  discord,
  zoom,
  square,
  paddle,
  gitlab,
  linear,
  pagerduty,
  hubspot,
  woocommerce,
  typeform,
  sendgrid,
  mailgun,
  intercom,
  twitch,
  basic,
  token,
  hmac,
  rabbitmqSource,
  natsSource,
  redisSource,
] as ProviderDefinition<unknown>[];

const byName = new Map<string, ProviderDefinition<unknown>>(definitions.map((d) => [d.name, d]));

export function findProvider(name: string): ProviderDefinition<unknown> | undefined {
  return byName.get(name);
}

export function providerNames(): string[] {
  return [...byName.keys()].sort();
}
