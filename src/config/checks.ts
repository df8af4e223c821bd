import type { FilterDocument } from '../store/records.ts';
import type { Section } from './section.ts';
import type { BrokerConfig } from './types.ts';

/** What the configuration needs to know of one provider to read a source of it. */
export interface SourceProviderCheck {
  /** Keys this provider adds to a source beyond the common ones. */
  keys: readonly string[];
  /** Whether `secret`/`secrets` is required. */
  needsSecret: boolean;
  /** The signature tolerance when a source sets no `tolerance`. */
  defaultToleranceMs?: number;
  /** Reads the provider's own keys, recording problems in `section`; `undefined` when they are unusable. */
  parseOptions(section: Section): unknown;
}

/**
 * The judgements the configuration cannot make itself, because they take
 * another room's knowledge: whether a provider exists, a secret decodes, a
 * filter or a JSON Schema compiles, a header may be forwarded, a broker
 * source names a fitting connection. The configuration sits below every room
 * and imports none of them, so the layer that loads it (the gateway's
 * `loadConfig`) hands these in; each is asked at the point where its key is
 * read, so the problems keep the order of the keys.
 */
export interface ConfigChecks {
  /** The provider a source's `provider:` names, or `undefined` when there is none by that name. */
  provider(name: string): SourceProviderCheck | undefined;
  /** Every provider name, sorted, for the message naming an unknown one. */
  providerNames(): string[];
  /** Whether a `whsec_…` signing secret decodes to a usable key. */
  isValidSecret(secret: string): boolean;
  /** Whether a header (lower case) may travel on from a sender at all (credentials and request rewrites never do). */
  isForwardable(header: string): boolean;
  /** A source's provider-specific connection rule (broker sources: `connection:` under `brokers:`, of the same type). */
  sourceConnection(section: Section, provider: string, options: unknown, brokers: Record<string, BrokerConfig>): void;
  /** An endpoint's payload filter (a document, or its JSON text): compiled, or where and why it does not. */
  filter(raw: unknown): { filter: FilterDocument } | { at: string; reason: string };
  /** What is wrong with an event type's JSON Schema, or `undefined` when it compiles. */
  schemaProblem(schema: unknown): string | undefined;
}
