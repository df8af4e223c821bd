import { hmac } from './hmac.ts';
import { standardWebhooks } from './standard-webhooks.ts';
import type { ProviderDefinition } from './types.ts';

/** Every provider by its `provider:` name. Add a provider by adding its file here. */
const definitions: ProviderDefinition<unknown>[] = [standardWebhooks, hmac];

const byName = new Map<string, ProviderDefinition<unknown>>(definitions.map((d) => [d.name, d]));

export function findProvider(name: string): ProviderDefinition<unknown> | undefined {
  return byName.get(name);
}

export function providerNames(): string[] {
  return [...byName.keys()].sort();
}
