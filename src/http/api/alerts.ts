import type { FastifyInstance } from 'fastify';
import { sendToChannel } from '../../alerts/channels/index.ts';
import { alertMessage } from '../../alerts/message.ts';
import type { Config } from '../../config/types.ts';
import { apiError } from '../../error-catalogue.ts';
import type { AlertEvent, AlertNotification, AlertState } from '../../store/alerts.ts';
import { newId } from '../../store/ids.ts';
import type { Store } from '../../store/store.ts';
import { notFound } from './errors.ts';
import { pageQuery, pathParams } from './params.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function stateView(s: AlertState): Record<string, unknown> {
  return {
    rule: s.rule,
    subject: s.subject,
    status: s.status === 'firing' ? 'firing' : 'pending',
    since: iso(s.since),
    value: s.value,
    summary: s.detail.summary,
    labels: s.detail.labels,
    ids: s.detail.ids ?? [],
    lastNotifiedAt: iso(s.lastNotifiedAt),
  };
}

function notificationView(n: AlertNotification): Record<string, unknown> {
  return {
    id: n.id,
    channel: n.channel,
    state: n.state,
    attempts: n.attempts,
    lastError: n.lastError,
    nextAttemptAt: n.state === 'pending' ? iso(n.nextAttemptAt) : null,
    sentAt: iso(n.sentAt),
  };
}

function eventView(e: AlertEvent, notifications: AlertNotification[]): Record<string, unknown> {
  return {
    id: e.id,
    rule: e.rule,
    subject: e.subject,
    kind: e.kind,
    at: iso(e.at),
    value: e.value,
    summary: e.detail.summary,
    labels: e.detail.labels,
    ids: e.detail.ids ?? [],
    notifications: notifications.filter((n) => n.eventId === e.id).map(notificationView),
  };
}

/** `/alerts`: current alerts, their history with each notification's fate, and a test notification per channel. */
export async function alertRoutes(app: FastifyInstance, deps: { store: Store; config: Config }): Promise<void> {
  const { store, config } = deps;

  app.get<{ Querystring: { limit: number; iterator?: string } }>(
    '/alerts',
    { schema: { querystring: { type: 'object', properties: pageQuery } } },
    async (req) => {
      const states = await store.listAlertStates();
      const page = await store.listAlertEvents({ limit: req.query.limit, ...(req.query.iterator ? { iterator: req.query.iterator } : {}) });
      const notifications = await store.notificationsOf(page.data.map((e) => e.id));
      return {
        current: states.filter((s) => s.status === 'firing' || s.breaches > 0).map(stateView),
        recent: { ...page, data: page.data.map((e) => eventView(e, notifications)) },
        rules: config.alerts.rules.map((r) => ({
          name: r.name,
          kind: r.kind,
          scope: r.scope,
          channels: r.channels,
          threshold: r.threshold,
          window: r.windowMs,
          severity: r.severity,
        })),
      };
    },
  );

  // Names and types only: a channel's URL, routing key or password is a secret.
  app.get('/alerts/channels', async () => ({ data: Object.values(config.alerts.channels).map((c) => ({ name: c.name, type: c.type })) }));

  app.post<{ Params: { name: string } }>(
    '/alerts/channels/:name/test',
    {
      schema: { params: pathParams({ name: { type: 'string', minLength: 1, maxLength: 128 } }) },
    },
    async (req) => {
      const channel = config.alerts.channels[req.params.name];
      if (!channel) throw notFound(`alert channel "${req.params.name}"`);
      const now = Date.now();
      const rule = { name: 'test', kind: 'endpoint-disabled' as const, severity: 'info' as const };
      const event: AlertEvent = {
        id: newId('alev'),
        rule: 'test',
        subject: `channel:${channel.name}`,
        kind: 'firing',
        value: null,
        at: now,
        detail: { summary: `a test notification from Sluice to channel ${channel.name}`, labels: { channel: channel.name } },
      };
      try {
        await sendToChannel(channel, alertMessage(event, rule), now);
        // PagerDuty opens an incident for a trigger: close the test one at once.
        if (channel.type === 'pagerduty') await sendToChannel(channel, alertMessage({ ...event, kind: 'resolved' }, rule), now);
      } catch (err) {
        throw apiError('channel_failed', `channel "${channel.name}" (${channel.type}) ${(err as Error).message}`, { cause: err });
      }
      return { channel: channel.name, type: channel.type, sent: true };
    },
  );
}
