import type { AlertMessage } from '../message.ts';
import { postJson } from './http.ts';

/**
 * A PagerDuty Events API v2 event: `trigger` while firing (a repeat triggers
 * the same `dedup_key` again, which PagerDuty folds into the open incident),
 * `resolve` when it clears.
 */
export function pagerDutyBody(routingKey: string, m: AlertMessage): Record<string, unknown> {
  if (m.event.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: m.key };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: m.key,
    payload: {
      summary: m.title.slice(0, 1024),
      source: m.event.detail.labels.url ?? m.event.detail.labels.source ?? 'sluice',
      severity: m.rule.severity,
      timestamp: new Date(m.event.at).toISOString(),
      component: m.event.subject,
      group: m.event.detail.labels.application ?? m.event.detail.labels.appId ?? 'sluice',
      class: m.rule.kind,
      custom_details: Object.fromEntries(m.facts),
    },
  };
}

export async function sendPagerDuty(apiBase: string, routingKey: string, m: AlertMessage): Promise<void> {
  await postJson(`${apiBase.replace(/\/+$/, '')}/v2/enqueue`, pagerDutyBody(routingKey, m));
}
