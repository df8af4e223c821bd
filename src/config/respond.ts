import type { Section } from './section.ts';

/** An interactive source's answer (`sources.*.respond`): the handler's response, within a bound. */
export interface RespondConfig {
  /** The endpoint whose attempt answers the sender (its `id` in the YAML, or an endpoint id / relay name). */
  endpoint: string;
  timeoutMs: number;
  fallback: { status: number; body: string; contentType: string };
}

/**
 * How long each sender waits for an answer before it gives up (and, for
 * Slack, shows the user an error): a `respond.timeout` must be shorter.
 */
const SENDER_TIMEOUTS_MS: Record<string, { ms: number; who: string }> = {
  slack: { ms: 3_000, who: 'Slack' },
  discord: { ms: 3_000, who: 'Discord' },
  twilio: { ms: 15_000, who: 'Twilio' },
  zoom: { ms: 3_000, who: 'Zoom' },
};

/** Reads `respond:` of a source; problems are recorded on the section with their key paths. */
export function readRespond(src: Section, provider: string, defaultTimeoutMs: number): RespondConfig | undefined {
  // `child` gives an empty section for a missing key: without this every source would need `respond.endpoint`.
  if (!src.has('respond')) return undefined;
  const respond = src.child('respond');
  if (!respond) return undefined;
  respond.onlyKeys(['endpoint', 'timeout', 'fallback']);
  const endpoint = respond.str('endpoint', { required: true });
  const timeoutMs = respond.duration('timeout', { min: 1, max: 60_000 }) ?? defaultTimeoutMs;
  const sender = SENDER_TIMEOUTS_MS[provider];
  if (sender && timeoutMs >= sender.ms) {
    respond.problem(
      'timeout',
      `must be shorter than ${sender.who}'s own ${sender.ms / 1000} s timeout for an answer (leave room for the network)`,
    );
  }
  const fb = respond.child('fallback');
  fb?.onlyKeys(['status', 'body', 'contentType']);
  const status = fb?.int('status', { min: 200, max: 599 }) ?? 200;
  const body = fb?.str('body') ?? '';
  const contentType = fb?.str('contentType') ?? 'text/plain';
  if (endpoint === undefined) return undefined;
  return { endpoint, timeoutMs, fallback: { status, body, contentType } };
}
