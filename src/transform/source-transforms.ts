import { defaults } from '../config/defaults.ts';
import type { SourceConfig } from '../config/types.ts';
import type { Transformation } from '../store/records.ts';
import type { NewMessage } from '../store/store.ts';
import type { TransformationStore } from '../store/transformations.ts';
import type { Transformer } from './transformer.ts';
import { payloadValue, transformInput } from './webhook.ts';

/** What a source's transformation made of one message. */
export type IngestTransform = { kind: 'keep'; body: unknown } | { kind: 'cancel'; reason: string };

/**
 * Source transformations at ingest: the API's (looked up at most once a
 * second per source, as event types are) wins over the YAML's. A message the
 * function fails on is stored `invalid` with the error, so nothing the provider
 * was answered 2xx for is lost; a cancelled one is not stored at all.
 */
export class SourceTransforms {
  private readonly cache = new Map<string, { at: number; value: Transformation | null }>();

  constructor(
    private readonly store: TransformationStore,
    private readonly transformer: Transformer,
  ) {}

  async effective(source: SourceConfig, now = Date.now()): Promise<Transformation | null> {
    const hit = this.cache.get(source.name);
    if (hit && now - hit.at < defaults.transformCacheMs) return hit.value;
    const stored = await this.store.getSourceTransformation(source.name);
    const value = stored ?? source.transformation ?? null;
    this.cache.set(source.name, { at: now, value });
    return value;
  }

  /**
   * Applies `t` to one message in place (payload, forwarded headers, event
   * type); `url` is the address the provider called, shown to the function but
   * not its to change.
   */
  async apply(t: Transformation, message: NewMessage, url: string, body: unknown): Promise<IngestTransform> {
    if (!t.enabled || message.state !== 'accepted') return { kind: 'keep', body };
    const input = transformInput('POST', url, message.headers, message.payload, message.eventType);
    const verdict = await this.transformer.run(t.code, input, message.payload, null);
    if (verdict.kind === 'cancel') return verdict;
    if (verdict.kind === 'invalid') {
      message.state = 'invalid';
      message.error = `transformation failed: ${verdict.error}`;
      return { kind: 'keep', body };
    }
    message.payload = verdict.body;
    message.headers = verdict.headers;
    message.eventType = verdict.eventType;
    return { kind: 'keep', body: verdict.payloadChanged ? payloadValue(verdict.body) : body };
  }
}
