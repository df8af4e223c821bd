import type { Page } from './records.ts';

export type AlertStatus = 'ok' | 'firing';
export type AlertEventKind = 'firing' | 'repeat' | 'resolved';
export type NotificationState = 'pending' | 'sent' | 'failed';

/** What a rule saw about its subject: a summary for people, the labels that place it, the ids involved. */
export interface AlertDetail {
  summary: string;
  labels: Record<string, string>;
  ids?: string[];
}

/** The state of one rule for one subject (an endpoint, a source, the queue). */
export interface AlertState {
  rule: string;
  subject: string;
  status: AlertStatus;
  /** Consecutive evaluations over the threshold, and back under it: the hysteresis. */
  breaches: number;
  clears: number;
  value: number | null;
  detail: AlertDetail;
  /** When the current status began. */
  since: number;
  lastNotifiedAt: number | null;
  updatedAt: number;
}

/** One transition of an alert: what people are told about. */
export interface AlertEvent {
  id: string;
  rule: string;
  subject: string;
  kind: AlertEventKind;
  value: number | null;
  detail: AlertDetail;
  at: number;
}

/** One event to one channel, retried until it is sent (or given up). */
export interface AlertNotification {
  id: string;
  eventId: string;
  channel: string;
  state: NotificationState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** One evaluation's outcome, written at once: states changed, states forgotten, events with the channels to tell. */
export interface AlertEvaluation {
  upsert: AlertState[];
  forget: Array<{ rule: string; subject: string }>;
  events: Array<{ event: Omit<AlertEvent, 'id'>; channels: string[] }>;
}

/** Attempts of one endpoint since a time: the failure-rate and dead-letter rules read these. */
export interface EndpointAttemptStats {
  endpointId: string;
  appId: string;
  attempts: number;
  failures: number;
  /** Deliveries attempted in the window that are dead now. */
  dead: number;
}

/** Whether an endpoint can receive: disabled, or its breaker open. */
export interface EndpointCondition {
  endpointId: string;
  appId: string;
  appUid: string | null;
  endpointUid: string | null;
  url: string;
  disabled: boolean;
  disabledReason: string | null;
  breaker: 'closed' | 'open' | 'half_open';
}

/**
 * The alert state machine's storage, its notification outbox, and the facts
 * the rules read. Writes of an evaluation happen only while the caller holds
 * the `alerts` lease, so one process's view decides.
 */
export interface AlertStore {
  listAlertStates(): Promise<AlertState[]>;
  /** Applies one evaluation if `owner` still holds `lease`; `false` (nothing written) when it does not. */
  recordAlertEvaluation(
    lease: string,
    owner: string,
    evaluation: AlertEvaluation,
    now: number,
  ): Promise<{ written: boolean; eventIds: string[] }>;
  listAlertEvents(query: { limit: number; iterator?: string }): Promise<Page<AlertEvent>>;
  notificationsOf(eventIds: string[]): Promise<AlertNotification[]>;
  /** Pending notifications due at `now`, oldest first, with their events. */
  dueAlertNotifications(now: number, limit: number): Promise<Array<{ notification: AlertNotification; event: AlertEvent }>>;
  /** Records one try: sent, retry at `retryAt`, or given up (`retryAt` null). */
  finishAlertNotification(
    id: string,
    outcome: { sent: true } | { sent: false; error: string; retryAt: number | null },
    now: number,
  ): Promise<void>;
  /** When the next pending notification is due, or `null`. */
  nextAlertNotificationAt(): Promise<number | null>;

  endpointAttemptStats(since: number): Promise<EndpointAttemptStats[]>;
  endpointConditions(): Promise<EndpointCondition[]>;
  /** Messages of a source received since `since`, and when its last one arrived (ever). */
  sourceActivity(source: string, since: number): Promise<{ count: number; lastAt: number | null }>;
}
