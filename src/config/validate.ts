import { headerProblem, MAX_HEADERS } from '../delivery/endpoint-headers.ts';
import { RELAY_SCHEME } from '../delivery/endpoint-type.ts';
import { isValidSecret } from '../signing/standard-webhooks.ts';
import { parseFieldPath, type FieldPath } from '../ingest/field-path.ts';
import { isForwarded } from '../providers/forwarded.ts';
import { findProvider, providerNames } from '../providers/registry.ts';
import { parseStorageUrl, redactUrl } from '../store/url.ts';
import { defaults } from './defaults.ts';
import { MAX_REORDER_WINDOW, readEventTypes, readOrdering } from './ordering.ts';
import { readAlerts } from './alerts.ts';
import { readConsole } from './console.ts';
import { readPortal } from './portal.ts';
import { readBulkJobs, readTelemetry } from './operations.ts';
import { readReconcile } from './reconcile.ts';
import { readOutbound, readPrivateNetworks } from './outbound.ts';
import { readRespond } from './respond.ts';
import { readSecurity } from './security.ts';
import { readBrokerEndpoint, readBrokers, readTransformation, readTransformLimits } from './routing.ts';
import { Section } from './section.ts';
import { checkSourceConnection, isBrokerSource, type BrokerSourceOptions } from '../sources/provider.ts';
import type { ApplicationConfig, BrokerConfig, Config, EndpointConfig, ExtractionConfig, SourceConfig } from './types.ts';

const topKeys = [
  'apiToken',
  'server',
  'dataDir',
  'storage',
  'logLevel',
  'trustProxy',
  'ingest',
  'delivery',
  'applications',
  'sources',
  'allowPrivateNetworks',
  'outbound',
  'eventTypes',
  'auth',
  'metrics',
  'console',
  'tenantsInheritPrivateNetworks',
  'secretKey',
  'secretKeyFile',
  'bulkJobs',
  'alerts',
  'telemetry',
  'transformations',
  'brokers',
  'portal',
] as const;
const endpointKeys = [
  'id',
  'url',
  'secret',
  'filterTypes',
  'retry',
  'timeout',
  'concurrency',
  'headers',
  'disabled',
  'description',
  'fifo',
  'stale',
  'onDead',
  'reorderWindow',
  'filter',
  'recordSkipped',
  'providerSignature',
  'transformation',
  'type',
  'connection',
  'exchange',
  'routingKey',
  'subject',
  'stream',
  'maxLen',
] as const;
const sourceKeys = [
  'provider',
  'application',
  'secret',
  'secrets',
  'maxBodySize',
  'tolerance',
  'idempotencyKey',
  'eventType',
  'occurredAt',
  'orderingKey',
  'sequence',
  'reorderWindow',
  'publicUrl',
  'forwardHeaders',
  'respond',
  'reconcile',
  'transformation',
] as const;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Names that appear in URLs (`/in/:source`) and API paths. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_RETRY_DELAY = 30 * 86_400_000;

/**
 * Turns a parsed (and interpolated) YAML document into a `Config`, applying
 * every default. Returns the problems instead when there are any; each names
 * its key path.
 */
export function validateConfig(raw: unknown): { config: Config; problems: [] } | { config: undefined; problems: string[] } {
  const problems: string[] = [];
  const top = Section.of(raw, '', problems);
  if (!top) return { config: undefined, problems };
  top.onlyKeys(topKeys);

  const server = top.child('server');
  server?.onlyKeys(['host', 'port', 'headersTimeout', 'requestTimeout', 'maxConnections']);
  const storage = top.child('storage');
  storage?.onlyKeys(['url', 'poolSize', 'statementTimeout', 'connectTimeout', 'retention', 'partitionInterval']);
  const ingest = top.child('ingest');
  ingest?.onlyKeys(['maxBodySize', 'dedupeWindow', 'groupCommitMaxBatch', 'maxNestingDepth']);
  const delivery = top.child('delivery');
  delivery?.onlyKeys([
    'concurrency',
    'endpointConcurrency',
    'retry',
    'timeout',
    'maxRetryAfter',
    'leaseGrace',
    'pollInterval',
    'batchSize',
    'shutdownGrace',
    'httpsOnly',
    'breaker',
    'disableAfter',
  ]);

  const apiToken = top.str('apiToken');
  if (apiToken !== undefined && apiToken.length < 16) top.problem('apiToken', 'must be at least 16 characters');
  const dataDir = top.str('dataDir') ?? defaults.dataDir;
  const storageUrl = storage?.str('url') ?? `sqlite:${dataDir.replace(/\/+$/, '')}/sluice.db`;
  const storageTarget = parseStorageUrl(storageUrl);
  if (storageTarget.kind === 'invalid') storage?.problem('url', storageTarget.problem);
  const storageOptions = {
    poolSize: storage?.int('poolSize', { min: 1, max: 1000 }) ?? defaults.storagePoolSize,
    statementTimeoutMs: storage?.duration('statementTimeout', { min: 100 }) ?? defaults.storageStatementTimeoutMs,
    connectTimeoutMs: storage?.duration('connectTimeout', { min: 100 }) ?? defaults.storageConnectTimeoutMs,
    retentionMs: storage?.duration('retention', { min: 3_600_000 }) ?? defaults.storageRetentionMs,
    partitionIntervalMs: storage?.duration('partitionInterval', { min: 3_600_000, max: 366 * 86_400_000 }) ?? defaults.partitionIntervalMs,
  };
  // Partition bounds fall on whole hours (UTC), so an interval must be made of them.
  if (storageOptions.partitionIntervalMs % 3_600_000 !== 0)
    storage?.problem('partitionInterval', 'must be a whole number of hours, such as 6h, 1d or 7d');

  const maxBodySize = ingest?.size('maxBodySize', { min: 1, max: 64 * 1024 * 1024 }) ?? defaults.maxBodySize;
  const dedupeWindowMs = ingest?.duration('dedupeWindow', { min: 60_000 }) ?? defaults.dedupeWindowMs;
  const retryScheduleMs = checkSchedule(delivery, 'retry') ?? [...defaults.retryScheduleMs];

  const brokers = readBrokers(top);
  const applications: Record<string, ApplicationConfig> = {};
  const apps = top.child('applications');
  for (const [uid, value] of Object.entries(apps?.value ?? {})) {
    const app = apps && readApplication(apps, uid, value, brokers);
    if (app) applications[uid] = app;
  }

  const sources: Record<string, SourceConfig> = {};
  const srcs = top.child('sources');
  for (const [name, value] of Object.entries(srcs?.value ?? {})) {
    const source = srcs && readSource(srcs, name, value, applications, maxBodySize, dedupeWindowMs, brokers);
    if (source) sources[name] = source;
  }

  const trustProxy = top.bool('trustProxy') ?? defaults.trustProxy;
  const outbound = readOutbound(top, delivery, applications);
  const security = readSecurity(top, apiToken);
  // Without any token nobody could use the API, the console or the CLI: refused, saying what to add.
  if (security.auth.tokens.length === 0 && !problems.some((p) => p.startsWith('apiToken') || p.startsWith('auth'))) {
    top.problem(
      'apiToken',
      'required: set apiToken (or SLUICE_API_TOKEN), or list auth.tokens with a role (admin, operator or viewer), each as token or sha256',
    );
  }
  // Every value is read before the problems are checked: a getter records its
  // problem as it reads, so a key read after the check would be silently dropped.
  const config: Config = {
    apiToken,
    secretKey: top.str('secretKey'),
    secretKeyFile: top.str('secretKeyFile') ?? `${dataDir.replace(/\/+$/, '')}/secret.key`,
    server: {
      host: server?.str('host') ?? defaults.host,
      port: server?.int('port', { min: 0, max: 65535 }) ?? defaults.port,
      headersTimeoutMs: server?.duration('headersTimeout', { min: 100, max: 10_000 }) ?? defaults.headersTimeoutMs,
      requestTimeoutMs: server?.duration('requestTimeout', { min: 1000, max: 600_000 }) ?? defaults.requestTimeoutMs,
      maxConnections: server?.int('maxConnections', { min: 1, max: 1_000_000 }) ?? defaults.maxConnections,
    },
    ...security,
    dataDir,
    storageUrl,
    storage: storageOptions,
    logLevel: top.oneOf('logLevel', logLevels, defaults.logLevel) ?? defaults.logLevel,
    trustProxy,
    ingest: {
      maxBodySize,
      dedupeWindowMs,
      groupCommitMaxBatch: ingest?.int('groupCommitMaxBatch', { min: 1, max: 10_000 }) ?? defaults.groupCommitMaxBatch,
      maxNestingDepth: ingest?.int('maxNestingDepth', { min: 1, max: defaults.maxNestingDepthCeiling }) ?? defaults.maxNestingDepth,
    },
    delivery: {
      concurrency: delivery?.int('concurrency', { min: 1, max: 10_000 }) ?? defaults.concurrency,
      endpointConcurrency: delivery?.int('endpointConcurrency', { min: 1, max: 1000 }) ?? defaults.endpointConcurrency,
      retryScheduleMs,
      timeoutMs: delivery?.duration('timeout', { min: 100, max: 300_000 }) ?? defaults.timeoutMs,
      maxRetryAfterMs: delivery?.duration('maxRetryAfter', { min: 0 }) ?? defaults.maxRetryAfterMs,
      leaseGraceMs: delivery?.duration('leaseGrace', { min: 100 }) ?? defaults.leaseGraceMs,
      pollIntervalMs: delivery?.duration('pollInterval', { min: 10, max: 60_000 }) ?? defaults.pollIntervalMs,
      leaseBatchSize: delivery?.int('batchSize', { min: 1, max: 10_000 }) ?? defaults.leaseBatchSize,
      shutdownGraceMs: delivery?.duration('shutdownGrace', { min: 0 }) ?? defaults.shutdownGraceMs,
    },
    applications,
    sources,
    ...outbound,
    eventTypes: readEventTypes(top),
    console: readConsole(top),
    portal: readPortal(top),
    bulkJobs: readBulkJobs(top),
    alerts: readAlerts(top),
    telemetry: readTelemetry(top),
    transformations: readTransformLimits(top),
    brokers,
  };
  if (problems.length > 0) return { config: undefined, problems };
  return { config, problems: [] };
}

/** A retry schedule (durations, each at most 30d); the API's `retrySchedule` is checked by this same rule. */
export function checkSchedule(section: Section | undefined, key: string): number[] | undefined {
  const schedule = section?.durationList(key);
  if (schedule?.some((ms) => ms > MAX_RETRY_DELAY)) section?.problem(key, 'a retry delay may be at most 30d');
  return schedule;
}

function readApplication(apps: Section, uid: string, value: unknown, brokers: Record<string, BrokerConfig>): ApplicationConfig | undefined {
  const app = Section.of(value, apps.keyPath(uid), apps.problems);
  if (!app) return undefined;
  if (!namePattern.test(uid)) apps.problem(uid, 'application names use letters, digits, _ . - (at most 64)');
  app.onlyKeys(['name', 'endpoints', 'strictEventTypes', 'allowPrivateNetworks']);
  const allowPrivateNetworks = readPrivateNetworks(app);
  const list = app.value.endpoints ?? [];
  if (!Array.isArray(list)) {
    app.problem('endpoints', 'must be a list');
    return undefined;
  }
  const endpoints: EndpointConfig[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const endpoint = readEndpoint(new Section({ [i]: item }, app.keyPath('endpoints'), app.problems), i, brokers);
    if (!endpoint) return;
    if (seen.has(endpoint.uid)) app.problems.push(`${app.keyPath('endpoints')}[${i}].id: "${endpoint.uid}" is used twice`);
    seen.add(endpoint.uid);
    endpoints.push(endpoint);
  });
  return {
    uid,
    name: app.str('name') ?? uid,
    endpoints,
    strictEventTypes: app.bool('strictEventTypes') ?? defaults.strictEventTypes,
    ...(allowPrivateNetworks ? { allowPrivateNetworks } : {}),
  };
}

export function readEndpoint(list: Section, index: number, brokers: Record<string, BrokerConfig> = {}): EndpointConfig | undefined {
  const ep = Section.of(list.value[index], list.keyPath(index), list.problems);
  if (!ep) return undefined;
  ep.onlyKeys(endpointKeys);
  const uid = ep.str('id', { required: true });
  if (uid !== undefined && !namePattern.test(uid)) ep.problem('id', 'endpoint ids use letters, digits, _ . - (at most 64)');
  const broker = ep.has('type') ? readBrokerEndpoint(ep, brokers) : undefined;
  const url = broker ?? (ep.has('type') && ep.value.type !== 'http' ? undefined : ep.str('url', { required: true }));
  if (url !== undefined && broker === undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      ep.problem('url', `"${redactUrl(url)}" is not a URL`);
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== RELAY_SCHEME)
      ep.problem('url', 'must be an http or https URL, or relay://NAME for a sluice listen session');
  }
  const secret = ep.str('secret');
  if (secret !== undefined && !isValidSecret(secret)) ep.problem('secret', 'must be whsec_ followed by the base64 of at least 16 bytes');
  const headers: Record<string, string> = {};
  const headerSection = ep.child('headers');
  const names = Object.keys(headerSection?.value ?? {});
  if (names.length > MAX_HEADERS) ep.problem('headers', `at most ${MAX_HEADERS} headers`);
  for (const name of names) {
    const value = headerSection?.str(name);
    const problem = headerProblem(name, value ?? null);
    if (problem) headerSection?.problem(name, problem);
    else if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const endpoint: EndpointConfig = {
    uid: uid ?? '',
    url: url ?? '',
    description: ep.str('description') ?? '',
    secret,
    filterTypes: ep.strList('filterTypes') ?? null,
    retryScheduleMs: checkSchedule(ep, 'retry') ?? null,
    timeoutMs: ep.duration('timeout', { min: 100, max: 300_000 }) ?? null,
    concurrency: ep.int('concurrency', { min: 1, max: 1000 }) ?? null,
    headers,
    disabled: ep.bool('disabled') ?? false,
    ...readOrdering(ep),
  };
  if (ep.has('providerSignature')) {
    const providerSignature = ep.oneOf('providerSignature', ['forward', 'resign', 'drop'] as const, defaults.providerSignature);
    if (providerSignature !== undefined) endpoint.providerSignature = providerSignature;
  }
  const transformation = readTransformation(ep);
  if (transformation !== undefined) endpoint.transformation = transformation;
  return uid === undefined || url === undefined ? undefined : endpoint;
}

function readSource(
  srcs: Section,
  name: string,
  value: unknown,
  applications: Record<string, ApplicationConfig>,
  maxBodySize: number,
  dedupeWindowMs: number,
  brokers: Record<string, BrokerConfig>,
): SourceConfig | undefined {
  const src = Section.of(value, srcs.keyPath(name), srcs.problems);
  if (!src) return undefined;
  if (!namePattern.test(name)) srcs.problem(name, 'source names use letters, digits, _ . - (at most 64)');
  const providerName = src.str('provider', { required: true });
  if (providerName === undefined) return undefined;
  const provider = findProvider(providerName);
  if (!provider) {
    src.problem('provider', `unknown provider "${providerName}" (known: ${providerNames().join(', ')})`);
    return undefined;
  }
  src.onlyKeys([...sourceKeys, ...provider.keys]);

  const application = src.str('application', { required: true });
  if (application !== undefined && !applications[application]) {
    const known = Object.keys(applications);
    src.problem('application', `"${application}" is not under applications (known: ${known.join(', ') || 'none'})`);
  }
  let secrets: string[] = [];
  if (src.has('secret') && src.has('secrets')) src.problem('secret', 'use secret or secrets, not both');
  else if (src.has('secrets')) secrets = src.strList('secrets') ?? [];
  else if (src.has('secret')) secrets = [src.str('secret', { required: true }) ?? ''].filter(Boolean);
  if (provider.needsSecret && secrets.length === 0 && !src.has('secret') && !src.has('secrets')) {
    src.problem('secret', `required by provider ${providerName}`);
  }
  const extract: ExtractionConfig = {};
  for (const key of ['idempotencyKey', 'eventType', 'occurredAt', 'orderingKey', 'sequence'] as const) {
    const text = src.str(key);
    if (text === undefined) continue;
    const field: FieldPath | string = parseFieldPath(text);
    if (typeof field === 'string') src.problem(key, field);
    else extract[key] = field;
  }
  const publicUrl = src.str('publicUrl');
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+/.test(publicUrl)) src.problem('publicUrl', 'must be an absolute http(s) URL');
  const sourceMaxBody = src.size('maxBodySize', { min: 1, max: 64 * 1024 * 1024 }) ?? maxBodySize;
  const toleranceMs =
    src.duration('tolerance', { min: 1000, max: defaults.maxSignatureToleranceMs }) ??
    provider.defaultToleranceMs ??
    defaults.signatureToleranceMs;
  // A replay inside the tolerance must still be inside the window that drops it as a duplicate.
  if (toleranceMs >= dedupeWindowMs)
    src.problem(
      'tolerance',
      `must be shorter than ingest.dedupeWindow (${dedupeWindowMs / 1000}s), or a captured request can be replayed as a new message once its key is forgotten`,
    );
  const forwardHeaders = (src.strList('forwardHeaders') ?? []).map((h) => h.toLowerCase());
  for (const h of forwardHeaders) {
    if (!/^[a-z0-9!#$%&'+.^_`|~-]+\*?$/.test(h)) src.problem('forwardHeaders', `"${h}" is not a header name (a trailing * is a prefix)`);
    else if (!isForwarded({ headers: [h], signature: [] }, h.replace(/\*$/, '')))
      src.problem('forwardHeaders', `"${h}" is never forwarded (a credential, a request rewrite or a Standard Webhooks header)`);
  }
  const respond = readRespond(src, providerName, defaults.respondTimeoutMs);
  const reconcile = readReconcile(src, providerName, dedupeWindowMs);
  const before = src.problems.length;
  const options = provider.parseOptions(src);
  if (options !== undefined && isBrokerSource({ provider: providerName }))
    checkSourceConnection(src, options as BrokerSourceOptions, brokers);
  const transformation = readTransformation(src) ?? undefined;
  if (options === undefined || src.problems.length > before || application === undefined) return undefined;
  return {
    ...(transformation ? { transformation } : {}),
    name,
    provider: providerName,
    application,
    secrets,
    maxBodySize: sourceMaxBody,
    toleranceMs,
    publicUrl,
    extract,
    reorderWindowMs: src.duration('reorderWindow', { min: 0, max: MAX_REORDER_WINDOW }) ?? defaults.reorderWindowMs,
    ...(forwardHeaders.length > 0 ? { forwardHeaders } : {}),
    ...(respond ? { respond } : {}),
    options,
    ...(reconcile ? { reconcile } : {}),
  };
}
