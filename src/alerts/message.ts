import type { RuleConfig } from '../config/alerts.ts';
import type { AlertEvent } from '../store/alerts.ts';

/** An alert event as every channel words it. */
export interface AlertMessage {
  event: AlertEvent;
  rule: Pick<RuleConfig, 'name' | 'kind' | 'severity'>;
  /** `[FIRING] rule: summary`. */
  title: string;
  summary: string;
  /** Stable per (rule, subject): PagerDuty's `dedup_key`, and the thread of a conversation elsewhere. */
  key: string;
  /** Facts worth a line each (labels, value, since). */
  facts: Array<[string, string]>;
}

const WORD = { firing: 'FIRING', repeat: 'STILL FIRING', resolved: 'RESOLVED' } as const;

export function alertMessage(event: AlertEvent, rule: Pick<RuleConfig, 'name' | 'kind' | 'severity'>): AlertMessage {
  const summary = event.kind === 'resolved' ? `resolved: ${event.detail.summary}` : event.detail.summary;
  const facts: Array<[string, string]> = [
    ['rule', `${rule.name} (${rule.kind})`],
    ['subject', event.subject],
    ['at', new Date(event.at).toISOString()],
  ];
  for (const [k, v] of Object.entries(event.detail.labels)) facts.push([k, v]);
  if (event.detail.ids?.length) facts.push(['ids', event.detail.ids.slice(0, 20).join(', ')]);
  return {
    event,
    rule,
    title: `[${WORD[event.kind]}] ${rule.name}: ${event.detail.summary}`,
    summary,
    key: `sluice:${rule.name}:${event.subject}`,
    facts,
  };
}
