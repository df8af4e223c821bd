import type { AlertMessage } from '../message.ts';
import { postJson } from './http.ts';

const EMOJI = { firing: ':rotating_light:', repeat: ':rotating_light:', resolved: ':white_check_mark:' } as const;

/** A Slack incoming-webhook body: `text` for notifications, Block Kit blocks for the message itself. */
export function slackBody(m: AlertMessage): Record<string, unknown> {
  return {
    text: m.title,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `${m.event.kind === 'resolved' ? 'Resolved' : 'Alert'}: ${m.rule.name}`.slice(0, 150),
          emoji: true,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[m.event.kind]} ${m.summary}`.slice(0, 3000) } },
      { type: 'section', fields: m.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}`.slice(0, 2000) })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Sluice · severity ${m.rule.severity} · ${m.key}` }] },
    ],
  };
}

export async function sendSlack(url: string, m: AlertMessage): Promise<void> {
  await postJson(url, slackBody(m));
}
