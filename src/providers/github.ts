import { at, bodyMac, fail, jsonReply, mac, text } from './support.ts';
import { header, type ProviderDefinition } from './types.ts';

interface GithubOptions {
  /** Accept the legacy `X-Hub-Signature` (HMAC-SHA1) when no SHA-256 signature is sent. */
  allowSha1: boolean;
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body. The SHA-1
 * header is still sent too, but SHA-1 is only trusted when asked for (old
 * GitHub Enterprise servers send nothing else).
 */
export const github: ProviderDefinition<GithubOptions> = {
  name: 'github',
  keys: ['allowSha1'],
  needsSecret: true,
  parseOptions: (section) => ({ allowSha1: section.bool('allowSha1') ?? false }),
  create(source, options) {
    return {
      verify(req) {
        const sha256 = header(req, 'x-hub-signature-256');
        if (sha256)
          return bodyMac(sha256, 'X-Hub-Signature-256', source.secrets, req.rawBody, {
            algorithm: 'sha256',
            encoding: 'hex',
            prefix: 'sha256=',
          });
        const sha1 = header(req, 'x-hub-signature');
        if (!sha1) return fail('missing X-Hub-Signature-256 header');
        if (!options.allowSha1) return fail('only X-Hub-Signature (SHA-1) was sent and allowSha1 is off');
        return bodyMac(sha1, 'X-Hub-Signature', source.secrets, req.rawBody, { algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' });
      },
      // No timestamp in GitHub's scheme, so forwarding works as well; signing anew follows a secret change.
      resign(payload) {
        const secret = source.secrets[0] ?? '';
        return {
          'x-hub-signature-256': `sha256=${mac('sha256', secret, payload).toString('hex')}`,
          'x-hub-signature': `sha1=${mac('sha1', secret, payload).toString('hex')}`,
        };
      },
      handshake(req) {
        // Sent once when the hook is created; nothing to deliver.
        return header(req, 'x-github-event') === 'ping' ? jsonReply(200, { ok: true, event: 'ping' }) : undefined;
      },
      extract(req, body) {
        const event = header(req, 'x-github-event');
        const action = text(body, 'action');
        return {
          eventId: header(req, 'x-github-delivery'),
          eventType: event && action ? `${event}.${action}` : event,
          orderingKey: event ? subjectOf(event, body) : undefined,
        };
      },
    };
  },
};

/**
 * Events of one issue or pull request: its own (`issues`, `pull_request`), its
 * comments and reviews. A pull request is an issue with the same number, so an
 * `issue_comment` on one is ordered with the pull request's events.
 */
const THREAD_EVENTS = new Set([
  'issues',
  'issue_comment',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_review_thread',
  'pull_request_target',
]);

/**
 * The object the event is about: for an issue or pull request and everything on
 * it, `<repository node id>#<number>`; otherwise the subject's node id
 * (`release`, `deployment`, …), else the repository.
 */
function subjectOf(event: string, body: unknown): string | undefined {
  if (THREAD_EVENTS.has(event)) {
    const number = text(body, 'issue', 'number') ?? text(body, 'pull_request', 'number') ?? text(body, 'number');
    const repo = text(body, 'repository', 'node_id');
    if (number && repo) return `${repo}#${number}`;
  }
  for (const key of [event, event.replace(/s$/, '')]) {
    const id = text(at(body, key), 'node_id');
    if (id) return id;
  }
  return text(body, 'repository', 'node_id');
}
