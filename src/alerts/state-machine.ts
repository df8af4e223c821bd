import type { RuleConfig } from '../config/alerts.ts';
import type { AlertEventKind, AlertState } from '../store/alerts.ts';
import type { Observation } from './rules.ts';

export interface Step {
  /** The state to keep; `null` when there is nothing to remember (ok, no breach under way). */
  next: AlertState | null;
  /** The transition people are told about, if any. */
  transition: AlertEventKind | null;
}

/**
 * One evaluation of one (rule, subject): fires after `fireAfter` consecutive
 * breaches, resolves after `clearAfter` consecutive clear readings (a subject
 * the rule no longer sees counts as clear), and repeats a firing alert every
 * `repeatMs`. Exactly one transition per change of status.
 */
export function step(
  rule: Pick<RuleConfig, 'name' | 'fireAfter' | 'clearAfter' | 'repeatMs'>,
  subject: string,
  prev: AlertState | undefined,
  obs: Observation | undefined,
  now: number,
): Step {
  const breach = obs?.breach === true;
  const s: AlertState = prev
    ? { ...prev }
    : {
        rule: rule.name,
        subject,
        status: 'ok',
        breaches: 0,
        clears: 0,
        value: null,
        detail: { summary: '', labels: {} },
        since: now,
        lastNotifiedAt: null,
        updatedAt: now,
      };
  s.updatedAt = now;
  if (obs) {
    s.value = obs.value;
    // A resolving alert keeps what it fired about in its labels; the summary says how it is now.
    s.detail = { ...obs.detail, labels: { ...s.detail.labels, ...obs.detail.labels } };
  }
  if (breach) {
    s.breaches++;
    s.clears = 0;
  } else {
    s.clears++;
    s.breaches = 0;
  }
  let transition: AlertEventKind | null = null;
  if (s.status === 'ok' && s.breaches >= rule.fireAfter) {
    s.status = 'firing';
    s.since = now;
    s.lastNotifiedAt = now;
    transition = 'firing';
  } else if (s.status === 'firing' && s.clears >= rule.clearAfter) {
    s.status = 'ok';
    s.since = now;
    s.lastNotifiedAt = now;
    transition = 'resolved';
  } else if (s.status === 'firing' && breach && s.lastNotifiedAt !== null && now - s.lastNotifiedAt >= rule.repeatMs) {
    s.lastNotifiedAt = now;
    transition = 'repeat';
  }
  if (s.status === 'ok' && s.breaches === 0) return { next: null, transition };
  return { next: s, transition };
}
