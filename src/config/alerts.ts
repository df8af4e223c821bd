import type { ConfigChecks } from './checks.ts';
import { defaults } from './defaults.ts';
import { Section } from './section.ts';

export type ChannelConfig =
  | { name: string; type: 'slack'; url: string }
  | { name: string; type: 'teams'; url: string }
  | {
      name: string;
      type: 'email';
      smtp: { host: string; port: number; secure: boolean; user: string | undefined; pass: string | undefined };
      from: string;
      to: string[];
    }
  | { name: string; type: 'pagerduty'; routingKey: string; apiBase: string }
  | { name: string; type: 'webhook'; url: string; secret: string };
export type ChannelType = ChannelConfig['type'];

export const RULE_KINDS = [
  'endpoint-failure-rate',
  'dead-deliveries',
  'queue-lag',
  'backlog',
  'source-silence',
  'signature-rejections',
  'endpoint-disabled',
  'reconcile-gap',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** What a rule watches: everything, or one application, endpoint or source. */
export interface RuleScope {
  application?: string;
  endpoint?: string;
  source?: string;
}

export interface RuleConfig {
  name: string;
  kind: RuleKind;
  scope: RuleScope;
  channels: string[];
  /** A ratio, a count or milliseconds, by kind; for `source-silence`, `null` means learned from the source's history. */
  threshold: number | null;
  windowMs: number;
  minAttempts: number;
  fireAfter: number;
  clearAfter: number;
  repeatMs: number;
  severity: Severity;
}

/** Alerts (`alerts:`): channels by name, rules, and how the evaluator runs. */
export interface AlertsConfig {
  evaluateIntervalMs: number;
  leaseMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  channels: Record<string, ChannelConfig>;
  rules: RuleConfig[];
}

const CHANNEL_TYPES = ['slack', 'teams', 'email', 'pagerduty', 'webhook'] as const;

function url(s: Section, key: string): string {
  const value = s.str(key, { required: true });
  if (value !== undefined && !/^https?:\/\/[^/?#]+/.test(value)) s.problem(key, 'must be an absolute http(s) URL');
  return value ?? '';
}

function readChannel(s: Section, name: string, checks: ConfigChecks): ChannelConfig | undefined {
  const type = s.oneOf('type', CHANNEL_TYPES, 'webhook');
  if (!s.has('type')) s.problem('type', `required (one of ${CHANNEL_TYPES.join(', ')})`);
  switch (type) {
    case 'slack':
    case 'teams':
      s.onlyKeys(['type', 'url']);
      return { name, type, url: url(s, 'url') };
    case 'webhook': {
      s.onlyKeys(['type', 'url', 'secret']);
      const secret = s.str('secret', { required: true });
      if (secret !== undefined && !checks.isValidSecret(secret))
        s.problem('secret', 'must be whsec_ followed by the base64 of at least 16 bytes');
      return { name, type, url: url(s, 'url'), secret: secret ?? '' };
    }
    case 'pagerduty':
      s.onlyKeys(['type', 'routingKey', 'apiBase']);
      return {
        name,
        type,
        routingKey: s.str('routingKey', { required: true }) ?? '',
        apiBase: s.has('apiBase') ? url(s, 'apiBase') : 'https://events.pagerduty.com',
      };
    case 'email': {
      s.onlyKeys(['type', 'smtp', 'from', 'to']);
      const smtp = s.child('smtp');
      smtp?.onlyKeys(['host', 'port', 'secure', 'user', 'pass']);
      const to = s.strList('to') ?? [];
      if (to.length === 0) s.problem('to', 'required: a list of addresses');
      const secure = smtp?.bool('secure') ?? false;
      return {
        name,
        type,
        from: s.str('from', { required: true }) ?? '',
        to,
        smtp: {
          host: smtp?.str('host', { required: true }) ?? '',
          port: smtp?.int('port', { min: 1, max: 65535 }) ?? (secure ? 465 : 587),
          secure,
          user: smtp?.str('user'),
          pass: smtp?.str('pass'),
        },
      };
    }
    default:
      return undefined;
  }
}

function ratio(s: Section, key: string): number | undefined {
  const value = s.value[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n > 0 && n <= 1)) return s.problem(key, 'must be a ratio above 0 and at most 1, such as 0.5');
  return n;
}

/** The threshold in the kind's own unit, or its default. */
function threshold(s: Section, kind: RuleKind): number | null | undefined {
  switch (kind) {
    case 'endpoint-failure-rate':
      return ratio(s, 'threshold') ?? defaults.alertFailureRate;
    case 'queue-lag':
      return s.duration('threshold', { min: 1000 }) ?? defaults.alertQueueLagMs;
    case 'source-silence':
      return s.value.threshold === 'learn' ? null : (s.duration('threshold', { min: 1000 }) ?? null);
    case 'dead-deliveries':
      return s.int('threshold', { min: 1, max: 1e9 }) ?? defaults.alertDeadThreshold;
    case 'backlog':
      return s.int('threshold', { min: 1, max: 1e12 }) ?? defaults.alertBacklog;
    case 'signature-rejections':
      return s.int('threshold', { min: 1, max: 1e9 }) ?? defaults.alertRejections;
    case 'reconcile-gap':
      return s.int('threshold', { min: 1, max: 1e9 }) ?? defaults.alertReconcileGap;
    case 'endpoint-disabled':
      return 1;
  }
}

function defaultWindow(kind: RuleKind): number {
  if (kind === 'dead-deliveries') return defaults.alertDeadWindowMs;
  if (kind === 'signature-rejections') return defaults.alertRejectionWindowMs;
  return defaults.alertFailureWindowMs;
}

export function readAlerts(top: Section, checks: ConfigChecks): AlertsConfig {
  const s = top.child('alerts');
  s?.onlyKeys(['evaluateInterval', 'lease', 'retryInitial', 'retryMax', 'giveUpAfter', 'channels', 'rules']);
  const channels: Record<string, ChannelConfig> = {};
  const ch = s?.child('channels');
  for (const name of Object.keys(ch?.value ?? {})) {
    const one = ch?.child(name);
    const channel = one && readChannel(one, name, checks);
    if (channel) channels[name] = channel;
  }
  const rules: RuleConfig[] = [];
  const list = s?.value.rules;
  if (list !== undefined && list !== null && !Array.isArray(list)) s?.problem('rules', 'must be a list of rules');
  const seen = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((_, i) => {
    const r = Section.of(list?.[i as never], `${s?.keyPath('rules')}[${i}]`, top.problems);
    if (!r) return;
    r.onlyKeys([
      'name',
      'kind',
      'scope',
      'channels',
      'threshold',
      'window',
      'minAttempts',
      'fireAfter',
      'clearAfter',
      'repeat',
      'severity',
    ]);
    const name = r.str('name', { required: true });
    if (name !== undefined && seen.has(name)) r.problem('name', `"${name}" is used twice`);
    if (name !== undefined) seen.add(name);
    const kind = r.oneOf('kind', RULE_KINDS, 'endpoint-failure-rate');
    if (!r.has('kind')) r.problem('kind', `required (one of ${RULE_KINDS.join(', ')})`);
    const scope = r.child('scope');
    scope?.onlyKeys(['application', 'endpoint', 'source']);
    const ruleChannels = r.strList('channels') ?? [];
    if (ruleChannels.length === 0) r.problem('channels', 'required: the channels to notify');
    for (const c of ruleChannels)
      if (!channels[c]) r.problem('channels', `"${c}" is not under alerts.channels (known: ${Object.keys(channels).join(', ') || 'none'})`);
    if (!kind || name === undefined) return;
    const value = threshold(r, kind);
    rules.push({
      name,
      kind,
      channels: ruleChannels,
      threshold: value ?? null,
      scope: Object.fromEntries(
        (['application', 'endpoint', 'source'] as const).flatMap((k) => {
          const v = scope?.str(k);
          return v === undefined ? [] : [[k, v]];
        }),
      ),
      windowMs: r.duration('window', { min: 1000 }) ?? defaultWindow(kind),
      minAttempts: r.int('minAttempts', { min: 1, max: 1e9 }) ?? defaults.alertFailureMinAttempts,
      fireAfter: r.int('fireAfter', { min: 1, max: 1000 }) ?? defaults.alertFireAfter,
      clearAfter: r.int('clearAfter', { min: 1, max: 1000 }) ?? defaults.alertClearAfter,
      repeatMs: r.duration('repeat', { min: 1000 }) ?? defaults.alertRepeatMs,
      severity: r.oneOf('severity', ['critical', 'error', 'warning', 'info'] as const, 'error') ?? 'error',
    });
  });
  return {
    evaluateIntervalMs: s?.duration('evaluateInterval', { min: 100 }) ?? defaults.alertEvaluateIntervalMs,
    leaseMs: s?.duration('lease', { min: 1000 }) ?? defaults.alertLeaseMs,
    retryInitialMs: s?.duration('retryInitial', { min: 10 }) ?? defaults.alertRetryInitialMs,
    retryMaxMs: s?.duration('retryMax', { min: 10 }) ?? defaults.alertRetryMaxMs,
    giveUpAfterMs: s?.duration('giveUpAfter', { min: 60_000 }) ?? defaults.alertGiveUpAfterMs,
    channels,
    rules,
  };
}
