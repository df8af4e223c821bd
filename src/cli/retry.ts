import { createInterface } from 'node:readline/promises';
import { ApiClient, durationFlag, runClient, UsageError, type ClientFlags } from './client.ts';
import { appOfMessage } from './messages.ts';
import type { Output } from './output.ts';
import { resolveApp } from './resolve-app.ts';

/** `sluice replay MSG_ID [--endpoint ID]`: one more attempt, to one endpoint or to every endpoint that matches now. */
export function replay(msgId: string, flags: ClientFlags & { app?: string; endpoint?: string }): Promise<number> {
  return runClient(flags, async (out) => {
    const client = ApiClient.from(flags);
    const app = encodeURIComponent(await appOfMessage(client, msgId, flags.app));
    const { body } = await client.request<{ queued: number }>(
      'POST',
      `/app/${app}/msg/${encodeURIComponent(msgId)}/replay`,
      flags.endpoint ? { endpointId: flags.endpoint } : {},
    );
    out.emit(
      `replayed ${msgId}: ${body.queued} deliver${body.queued === 1 ? 'y' : 'ies'} queued${flags.endpoint ? ` (endpoint ${flags.endpoint})` : ''}`,
      { msgId, queued: body.queued, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) },
    );
  });
}

export interface RetryFlags extends ClientFlags {
  app: string;
  endpoint?: string;
  status?: 'failed' | 'dead';
  since: string;
  dryRun?: boolean;
  yes?: boolean;
}

interface Target {
  msgId: string;
  endpointId: string;
  endpoint: string;
  state: string;
}

/** Pages read per endpoint at most (250 each): bounds a retry of a very long history. */
const MAX_PAGES = 400;

/**
 * `sluice retry --app APP`: every delivery that failed (`scheduled`, waiting
 * for its next retry) or went `dead` within `--since`, on one endpoint or all,
 * is sent again now. Counts first; on a terminal asks before it starts
 * (`--yes` skips the question); shows progress on long work.
 */
export function retry(flags: RetryFlags): Promise<number> {
  return runClient(flags, async (out) => {
    const sinceMs = durationFlag('--since', flags.since);
    const states = flags.status === 'failed' ? ['scheduled'] : flags.status === 'dead' ? ['dead'] : ['scheduled', 'dead'];
    const client = ApiClient.from(flags);
    const app = encodeURIComponent(await resolveApp(client, flags.app));
    const endpoints =
      flags.endpoint !== undefined
        ? [(await client.get<{ id: string; uid: string | null }>(`/app/${app}/endpoint/${encodeURIComponent(flags.endpoint)}`)).body]
        : (await client.get<{ data: Array<{ id: string; uid: string | null }> }>(`/app/${app}/endpoint?limit=250`)).body.data;
    const after = Date.now() - sinceMs;
    const targets: Target[] = [];
    for (const ep of endpoints) {
      let iterator: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const {
          body,
        }: { body: { data: Array<{ id: string; timestamp: string; state: string }>; iterator: string | null; done: boolean } } =
          await client.get(
            `/app/${app}/endpoint/${encodeURIComponent(ep.id)}/msg?limit=250&with_content=false${iterator ? `&iterator=${encodeURIComponent(iterator)}` : ''}`,
          );
        let older = false;
        for (const m of body.data) {
          if (Date.parse(m.timestamp) < after) {
            older = true;
            break;
          }
          if (states.includes(m.state)) targets.push({ msgId: m.id, endpointId: ep.id, endpoint: ep.uid ?? ep.id, state: m.state });
        }
        // Newest first: past the window, the rest is older still.
        if (older || body.done || body.data.length === 0) break;
        iterator = body.iterator;
      }
    }
    const what = flags.status === 'failed' ? 'failed' : flags.status === 'dead' ? 'dead' : 'failed or dead';
    const summary = `${targets.length} ${what} deliver${targets.length === 1 ? 'y' : 'ies'} in the last ${flags.since} (${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'})`;
    if (flags.dryRun || targets.length === 0) {
      out.emit(flags.dryRun ? `would retry ${summary}` : `nothing to retry: ${summary}`, {
        dryRun: flags.dryRun === true,
        count: targets.length,
        deliveries: targets,
      });
      return 0;
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY)
        throw new UsageError(`${summary}: pass --yes to retry them without a terminal to ask on (or --dry-run to see them)`);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = (await rl.question(`Retry ${summary}? [y/N] `)).trim().toLowerCase();
      rl.close();
      if (answer !== 'y' && answer !== 'yes') {
        out.note('nothing retried');
        return 1;
      }
    }
    const bar = new Progress(out, targets.length);
    let queued = 0;
    for (const t of targets) {
      const { body } = await client.request<{ queued: number }>(
        'POST',
        `/app/${app}/msg/${encodeURIComponent(t.msgId)}/endpoint/${encodeURIComponent(t.endpointId)}/resend`,
      );
      queued += body.queued;
      bar.tick();
    }
    bar.done();
    out.emit(`retried ${queued} of ${summary}`, { count: targets.length, queued });
    return 0;
  });
}

/** A progress bar on a terminal in human mode (redrawn in place); nothing otherwise. */
class Progress {
  private doneCount = 0;
  private readonly shown: boolean;

  constructor(
    private readonly out: Output,
    private readonly total: number,
  ) {
    this.shown = out.format === 'human' && process.stdout.isTTY === true && total >= 20;
  }

  tick(): void {
    this.doneCount++;
    if (!this.shown) return;
    const width = 30;
    const filled = Math.round((this.doneCount / this.total) * width);
    this.out.raw(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.doneCount}/${this.total}`);
  }

  done(): void {
    if (this.shown) this.out.raw('\n');
  }
}
