import { apiTarget } from './api-target.ts';

export interface AlertsOptions {
  config: string;
  url?: string;
  token?: string;
  limit?: number;
  json?: boolean;
}

interface AlertsView {
  current: Array<{ rule: string; subject: string; status: string; since: string; summary: string }>;
  recent: {
    data: Array<{
      at: string;
      rule: string;
      kind: string;
      summary: string;
      notifications: Array<{ channel: string; state: string; attempts: number; lastError: string | null }>;
    }>;
  };
}

/**
 * `sluice alerts [list]` shows what is firing and the recent transitions with
 * each notification's fate; `sluice alerts test <channel>` sends a test
 * notification. Both through a running gateway's API.
 */
export async function alerts(command: 'list' | 'test', opts: AlertsOptions, channel?: string): Promise<number> {
  const target = await apiTarget(opts);
  if ('problem' in target) {
    process.stderr.write(`${target.problem}\n`);
    return 2;
  }
  const headers = { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' };
  let res: Response;
  try {
    res =
      command === 'test'
        ? await fetch(`${target.base}/api/v1/alerts/channels/${encodeURIComponent(channel ?? '')}/test`, { method: 'POST', headers })
        : await fetch(`${target.base}/api/v1/alerts?limit=${opts.limit ?? 20}`, { headers });
  } catch (err) {
    process.stderr.write(`could not reach the gateway at ${target.base}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (res.status !== 200) {
    process.stderr.write(`${res.status}: ${text}\n`);
    return 1;
  }
  if (opts.json || command === 'test') {
    process.stdout.write(command === 'test' ? `sent a test notification to ${channel}\n` : `${text}\n`);
    return 0;
  }
  const view = JSON.parse(text) as AlertsView;
  process.stdout.write(view.current.length === 0 ? 'nothing firing\n' : `${view.current.length} current:\n`);
  for (const a of view.current)
    process.stdout.write(`  ${a.status.toUpperCase().padEnd(8)} ${a.rule}  ${a.subject}  since ${a.since}\n    ${a.summary}\n`);
  if (view.recent.data.length > 0) process.stdout.write('recent:\n');
  for (const e of view.recent.data) {
    const sent = e.notifications
      .map((n) => `${n.channel}:${n.state}${n.state === 'sent' ? '' : `(${n.attempts} tries${n.lastError ? `, ${n.lastError}` : ''})`}`)
      .join(' ');
    process.stdout.write(`  ${e.at}  ${e.kind.padEnd(8)} ${e.rule}  ${e.summary}\n    ${sent}\n`);
  }
  return 0;
}
