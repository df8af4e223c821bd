import { ApiClient, CliError, runClient, UsageError, type ClientFlags } from './client.ts';
import { clock, statusColour, type Output } from './output.ts';
import { resolveApp } from './resolve-app.ts';

interface MessageOut {
  id: string;
  eventType: string | null;
  eventId: string | null;
  timestamp: string;
  source: string | null;
  state: string;
  error: string | null;
  payload?: unknown;
  orderingKey?: string | null;
}

interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  timestamp: string;
  error: string | null;
}

interface Page<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

export interface MessageListFlags extends ClientFlags {
  app?: string;
  eventTypes?: string;
  source?: string;
  limit: number;
}

const q = (pairs: Record<string, string | number | undefined>): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(pairs)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
};

/** `sluice messages list`: newest first. */
export function listMessages(flags: MessageListFlags): Promise<number> {
  return runClient(flags, async (out) => {
    const client = ApiClient.from(flags);
    const app = encodeURIComponent(await resolveApp(client, flags.app));
    const { body } = await client.get<Page<MessageOut>>(
      `/app/${app}/msg${q({ limit: flags.limit, event_types: flags.eventTypes, source: flags.source, with_content: 'false' })}`,
    );
    for (const m of body.data) {
      out.emit(
        `${m.id}  ${clock(Date.parse(m.timestamp))}  ${(m.eventType ?? '(no type)').padEnd(32)}  ${m.source ? `source=${m.source}  ` : ''}${m.state}${m.error ? `  ${m.error}` : ''}`,
        m,
      );
    }
    if (body.data.length === 0) out.note('no messages');
  });
}

/**
 * A message's application: `--app`, the only one, or the application that has
 * it (message ids are unique across the gateway, the API's paths want both).
 */
export async function appOfMessage(client: ApiClient, msgId: string, app: string | undefined): Promise<string> {
  if (app !== undefined) return app;
  try {
    return await resolveApp(client, undefined);
  } catch (err) {
    if (!(err instanceof UsageError) || /no application/.test(err.message)) throw err;
  }
  const { body } = await client.get<Page<{ id: string; uid: string | null }>>('/app?limit=250');
  for (const a of body.data) {
    const res = await client.request(
      'GET',
      `/app/${encodeURIComponent(a.id)}/msg/${encodeURIComponent(msgId)}`,
      undefined,
      (s) => s === 200 || s === 404,
    );
    if (res.status === 200) return a.uid ?? a.id;
  }
  throw new CliError(`no message ${msgId} in any application`);
}

/** `sluice messages get MSG_ID`: the message, its payload, and where it went. */
export function getMessage(msgId: string, flags: ClientFlags & { app?: string }): Promise<number> {
  return runClient(flags, async (out) => {
    const client = ApiClient.from(flags);
    const app = encodeURIComponent(await appOfMessage(client, msgId, flags.app));
    const { body: m } = await client.get<MessageOut>(`/app/${app}/msg/${encodeURIComponent(msgId)}`);
    const { body: deliveries } = await client.get<
      Page<{
        id: string;
        uid: string | null;
        url: string;
        state: string;
        attempts: number;
        nextAttempt: string | null;
        lastStatus: number | null;
        lastError: string | null;
      }>
    >(`/app/${app}/msg/${encodeURIComponent(msgId)}/endpoint`);
    const lines = [
      `${m.id}  ${m.eventType ?? '(no type)'}  ${m.state}`,
      `received  ${clock(Date.parse(m.timestamp))}${m.source ? `  from source ${m.source}` : ''}${m.eventId ? `  event id ${m.eventId}` : ''}`,
      ...(m.error ? [`error     ${m.error}`] : []),
      'payload',
      typeof m.payload === 'string' ? m.payload : JSON.stringify(m.payload, null, 2),
      'deliveries',
      ...deliveries.data.map(
        (d) =>
          `  ${d.uid ?? d.id}  ${d.url}  ${d.state}  attempts ${d.attempts}${d.lastStatus !== null ? `  last [${d.lastStatus}]` : ''}${d.lastError ? `  ${d.lastError}` : ''}${d.nextAttempt ? `  next ${clock(Date.parse(d.nextAttempt))}` : ''}`,
      ),
    ];
    if (deliveries.data.length === 0) lines.push('  (none)');
    out.emit(lines.join('\n'), { ...m, deliveries: deliveries.data });
  });
}

export interface AttemptListFlags extends ClientFlags {
  app?: string;
  msg?: string;
  endpoint?: string;
  limit: number;
}

/** `sluice attempts list --msg ID | --endpoint ID`. */
export function listAttempts(flags: AttemptListFlags): Promise<number> {
  return runClient(flags, async (out) => {
    if ((flags.msg === undefined) === (flags.endpoint === undefined)) throw new UsageError('pass one of --msg MSG_ID and --endpoint ID');
    const client = ApiClient.from(flags);
    const app = encodeURIComponent(
      flags.msg !== undefined ? await appOfMessage(client, flags.msg, flags.app) : await resolveApp(client, flags.app),
    );
    const path =
      flags.msg !== undefined
        ? `/attempt/msg/${encodeURIComponent(flags.msg)}`
        : `/attempt/endpoint/${encodeURIComponent(flags.endpoint as string)}`;
    const { body } = await client.get<Page<AttemptOut>>(`/app/${app}${path}${q({ limit: flags.limit })}`);
    for (const a of body.data) out.emit(attemptLine(out, a), a);
    if (body.data.length === 0) out.note('no attempts');
  });
}

function attemptLine(out: Output, a: AttemptOut): string {
  const status = a.responseStatusCode === 0 ? null : a.responseStatusCode;
  const shown = out.paint(statusColour(status), status === null ? '[ERR]' : `[${status}]`);
  return `${a.id}  ${clock(Date.parse(a.timestamp))}  ${shown} POST ${a.url} (${a.responseDurationMs} ms) [${a.msgId}]${a.error ? `  ${a.error}` : ''}`;
}
