import type { ChannelConfig } from '../../config/alerts.ts';
import type { AlertMessage } from '../message.ts';
import { sendEmail } from './email.ts';
import { sendPagerDuty } from './pagerduty.ts';
import { sendSlack } from './slack.ts';
import { sendTeams } from './teams.ts';
import { sendWebhook } from './webhook.ts';

/** Sends one alert message to one channel; throws a `ChannelError` when the channel does not take it. */
export async function sendToChannel(channel: ChannelConfig, m: AlertMessage, now: number): Promise<void> {
  switch (channel.type) {
    case 'slack':
      return sendSlack(channel.url, m);
    case 'teams':
      return sendTeams(channel.url, m);
    case 'pagerduty':
      return sendPagerDuty(channel.apiBase, channel.routingKey, m);
    case 'webhook':
      return sendWebhook(channel.url, channel.secret, m, now);
    case 'email':
      return sendEmail(channel, m);
  }
}
