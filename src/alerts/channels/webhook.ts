import { signatureHeaders } from '../../signing/standard-webhooks.ts';
import type { AlertMessage } from '../message.ts';
import { postJson } from './http.ts';

/** The generic webhook's body: `alert.firing`, `alert.repeat` or `alert.resolved`, Standard Webhooks signed. */
export function webhookBody(m: AlertMessage): Record<string, unknown> {
  return {
    type: `alert.${m.event.kind}`,
    timestamp: new Date(m.event.at).toISOString(),
    data: {
      id: m.event.id,
      rule: m.rule.name,
      kind: m.rule.kind,
      severity: m.rule.severity,
      subject: m.event.subject,
      key: m.key,
      summary: m.event.detail.summary,
      value: m.event.value,
      labels: m.event.detail.labels,
      ids: m.event.detail.ids ?? [],
    },
  };
}

export async function sendWebhook(url: string, secret: string, m: AlertMessage, now: number): Promise<void> {
  const body = Buffer.from(JSON.stringify(webhookBody(m)));
  // The event id is the webhook-id, so a receiver drops the copy a retry may send.
  await postJson(url, body.toString('utf8'), signatureHeaders([secret], m.event.id, Math.floor(now / 1000), body));
}
