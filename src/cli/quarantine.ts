import { apiTarget } from './api-target.ts';

export interface QuarantineOptions {
  app: string;
  config: string;
  url?: string;
  token?: string;
  messages?: string[];
  limit?: number;
}

/**
 * `sluice quarantine list|release`: talks to a running gateway's API (the
 * store may be an SQLite file the gateway holds exclusively, and only the
 * gateway knows the schemas as they are now). The address and token come from
 * the config unless given.
 */
export async function quarantine(command: 'list' | 'release', opts: QuarantineOptions): Promise<number> {
  const target = await apiTarget(opts);
  if ('problem' in target) {
    process.stderr.write(`${target.problem}\n`);
    return 2;
  }
  const { base, token } = target;
  const app = encodeURIComponent(opts.app);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let res: Response;
  try {
    res =
      command === 'list'
        ? await fetch(`${base}/api/v1/app/${app}/quarantine?limit=${opts.limit ?? 50}`, { headers })
        : await fetch(`${base}/api/v1/app/${app}/quarantine/release`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              ...(opts.messages?.length ? { messageIds: opts.messages } : {}),
              ...(opts.limit ? { limit: opts.limit } : {}),
            }),
          });
  } catch (err) {
    process.stderr.write(`could not reach the gateway at ${base}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (res.status !== 200) {
    process.stderr.write(`${res.status}: ${text}\n`);
    return 1;
  }
  const body = JSON.parse(text) as Record<string, unknown>;
  if (command === 'list') {
    for (const m of body.data as Array<{
      id: string;
      eventType: string | null;
      timestamp: string;
      errors: Array<{ path: string; message: string }>;
    }>) {
      process.stdout.write(`${m.id}  ${m.eventType ?? '(no type)'}  ${m.timestamp}\n`);
      for (const e of m.errors) process.stdout.write(`    ${e.path || '(payload)'}: ${e.message}\n`);
    }
    return 0;
  }
  const released = body.released as Array<{ id: string; deliveries: number }>;
  const still = body.stillInvalid as Array<{ id: string; errors: Array<{ path: string; message: string }> }>;
  process.stdout.write(`checked ${String(body.checked)}, released ${released.length}, still invalid ${still.length}\n`);
  for (const r of released) process.stdout.write(`released ${r.id} (${r.deliveries} deliveries)\n`);
  for (const s of still)
    process.stdout.write(`invalid  ${s.id}: ${s.errors.map((e) => `${e.path || '(payload)'}: ${e.message}`).join('; ')}\n`);
  return 0;
}
