import type { AlertMessage } from '../message.ts';
import { postJson } from './http.ts';

/** A Teams incoming-webhook (Workflows) body: one Adaptive Card attachment. */
export function teamsBody(m: AlertMessage): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              size: 'Large',
              weight: 'Bolder',
              wrap: true,
              text: m.title,
              color: m.event.kind === 'resolved' ? 'Good' : 'Attention',
            },
            { type: 'TextBlock', wrap: true, text: m.summary },
            { type: 'FactSet', facts: m.facts.map(([title, value]) => ({ title, value })) },
          ],
        },
      },
    ],
  };
}

export async function sendTeams(url: string, m: AlertMessage): Promise<void> {
  await postJson(url, teamsBody(m));
}
