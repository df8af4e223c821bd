import type { RuleConfig } from '../config/alerts.ts';
import { defaults } from '../config/defaults.ts';
import type { AlertDetail, EndpointAttemptStats, EndpointCondition } from '../store/alerts.ts';

/** What the rules look at, gathered once per evaluation (`facts.ts`). */
export interface Facts {
  now: number;
  /** Attempt counts per endpoint, by window length. */
  attempts: Map<number, EndpointAttemptStats[]>;
  endpoints: EndpointCondition[];
  queue: { oldestDueAt: number | null; waiting: number };
  /** Per source: its application, when its last message arrived, and how many arrived in the learning look-back. */
  sources: Map<string, { appId: string; lastAt: number | null; lookbackCount: number }>;
  /** Signature rejections per source, by window length. */
  rejections: Map<number, Map<string, number>>;
  /** The last reconciliation run of each source. */
  reconcile: Map<string, { runId: string; missing: number; ids: string[]; finishedAt: number }>;
}

/** A rule's reading of one subject: over the threshold or not, and why. */
export interface Observation {
  subject: string;
  value: number;
  breach: boolean;
  detail: AlertDetail;
}

function duration(ms: number): string {
  if (ms >= 86_400_000) return `${(ms / 86_400_000).toFixed(1)}d`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 1000)}s`;
}

function endpointLabels(ep: EndpointCondition | undefined, endpointId: string, appId: string): Record<string, string> {
  return {
    appId,
    endpointId,
    ...(ep?.appUid ? { application: ep.appUid } : {}),
    ...(ep?.endpointUid ? { endpoint: ep.endpointUid } : {}),
    ...(ep ? { url: ep.url } : {}),
  };
}

function endpointName(labels: Record<string, string>): string {
  return `${labels.application ?? labels.appId}/${labels.endpoint ?? labels.endpointId}`;
}

/** Whether a subject with these labels is within the rule's scope. */
export function inScope(rule: RuleConfig, labels: Record<string, string>, facts: Facts): boolean {
  const { application, endpoint, source } = rule.scope;
  if (application !== undefined && labels.appId !== application && labels.application !== application) return false;
  if (endpoint !== undefined && labels.endpointId !== endpoint && labels.endpoint !== endpoint) return false;
  if (source !== undefined) {
    if (labels.source !== undefined) return labels.source === source;
    // An endpoint rule scoped to a source watches the endpoints of the application the source feeds.
    return labels.appId !== undefined && facts.sources.get(source)?.appId === labels.appId;
  }
  return true;
}

/** The learned silence of a source: a multiple of its mean gap, or `null` while it has too little history. */
export function learnedSilenceMs(lookbackCount: number): number | null {
  if (lookbackCount < defaults.alertSilenceMinMessages) return null;
  return Math.max(defaults.alertSilenceFloorMs, defaults.alertSilenceFactor * (defaults.alertSilenceLookbackMs / lookbackCount));
}

/** Reads the facts as one rule sees them: one observation per subject it has something to say about. */
export function observe(rule: RuleConfig, facts: Facts): Observation[] {
  const byId = new Map(facts.endpoints.map((e) => [e.endpointId, e]));
  const out: Observation[] = [];
  const push = (o: Observation): void => {
    if (inScope(rule, o.detail.labels, facts)) out.push(o);
  };
  const threshold = rule.threshold ?? 0;
  switch (rule.kind) {
    case 'endpoint-failure-rate':
      for (const s of facts.attempts.get(rule.windowMs) ?? []) {
        const labels = endpointLabels(byId.get(s.endpointId), s.endpointId, s.appId);
        const rate = s.attempts === 0 ? 0 : s.failures / s.attempts;
        // Too few attempts to judge is no breach: an endpoint that went quiet resolves rather than fires.
        const breach = s.attempts >= rule.minAttempts && rate >= threshold;
        push({
          subject: s.endpointId,
          value: rate,
          breach,
          detail: {
            labels,
            summary: `endpoint ${endpointName(labels)}: ${Math.round(rate * 100)}% of ${s.attempts} attempts failed in ${duration(rule.windowMs)}`,
          },
        });
      }
      break;
    case 'dead-deliveries':
      for (const s of facts.attempts.get(rule.windowMs) ?? []) {
        const labels = endpointLabels(byId.get(s.endpointId), s.endpointId, s.appId);
        push({
          subject: s.endpointId,
          value: s.dead,
          breach: s.dead >= threshold,
          detail: { labels, summary: `endpoint ${endpointName(labels)}: ${s.dead} deliveries went dead in ${duration(rule.windowMs)}` },
        });
      }
      break;
    case 'endpoint-disabled':
      for (const e of facts.endpoints) {
        const labels = endpointLabels(e, e.endpointId, e.appId);
        const why = e.disabled
          ? `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}`
          : e.breaker !== 'closed'
            ? `circuit breaker ${e.breaker.replace('_', '-')}`
            : 'receiving';
        push({
          subject: e.endpointId,
          value: e.disabled || e.breaker !== 'closed' ? 1 : 0,
          breach: e.disabled || e.breaker === 'open',
          detail: { labels, summary: `endpoint ${endpointName(labels)}: ${why}` },
        });
      }
      break;
    case 'queue-lag': {
      const lag = facts.queue.oldestDueAt === null ? 0 : Math.max(0, facts.now - facts.queue.oldestDueAt);
      push({
        subject: 'queue',
        value: lag,
        breach: lag >= threshold,
        detail: { labels: {}, summary: `the oldest due delivery has waited ${duration(lag)} (threshold ${duration(threshold)})` },
      });
      break;
    }
    case 'backlog':
      push({
        subject: 'queue',
        value: facts.queue.waiting,
        breach: facts.queue.waiting >= threshold,
        detail: { labels: {}, summary: `${facts.queue.waiting} deliveries waiting (threshold ${threshold})` },
      });
      break;
    case 'source-silence':
      for (const [source, s] of facts.sources) {
        const limit = rule.threshold ?? learnedSilenceMs(s.lookbackCount);
        if (limit === null || s.lastAt === null) continue;
        const quiet = facts.now - s.lastAt;
        const how = rule.threshold === null ? 'learned' : 'set';
        push({
          subject: `source:${source}`,
          value: quiet,
          breach: quiet >= limit,
          detail: {
            labels: { source, appId: s.appId },
            summary: `source ${source}: nothing received for ${duration(quiet)} (silence ${how} at ${duration(limit)})`,
          },
        });
      }
      break;
    case 'signature-rejections':
      for (const [source, n] of facts.rejections.get(rule.windowMs) ?? []) {
        const appId = facts.sources.get(source)?.appId;
        push({
          subject: `source:${source}`,
          value: n,
          breach: n >= threshold,
          detail: {
            labels: { source, ...(appId ? { appId } : {}) },
            summary: `source ${source}: ${n} requests with a bad signature in ${duration(rule.windowMs)}`,
          },
        });
      }
      break;
    case 'reconcile-gap':
      for (const [source, run] of facts.reconcile) {
        const appId = facts.sources.get(source)?.appId;
        push({
          subject: `source:${source}`,
          value: run.missing,
          breach: run.missing >= threshold,
          detail: {
            labels: { source, run: run.runId, ...(appId ? { appId } : {}) },
            ids: run.ids.slice(0, 50),
            summary: `source ${source}: reconciliation found ${run.missing} events the provider sent that Sluice had not received${run.ids.length ? ` (${run.ids.slice(0, 5).join(', ')}${run.ids.length > 5 ? ', …' : ''})` : ''}`,
          },
        });
      }
      break;
  }
  return out;
}
