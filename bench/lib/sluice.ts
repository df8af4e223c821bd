import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_SECRET } from './payload.ts';
import { startNode, type Child } from './child.ts';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef';
export const SOURCE = 'bench';
export const APP = 'bench';

export interface SluiceSetup {
  dir: string;
  /** `sqlite:…` or `postgres://…` */
  storageUrl: string;
  /** One endpoint per URL; none means an application without endpoints (ingest only). */
  endpoints: string[];
  logLevel: string;
  groupCommitMaxBatch?: number;
  deliveryConcurrency?: number;
  endpointConcurrency?: number;
  /** Endpoints written as YAML flow mappings (broker endpoints), after those of `endpoints`. */
  rawEndpoints?: string[];
  /** More top-level YAML (`brokers:`). */
  top?: string;
}

/** The YAML config of a bench gateway: one Standard Webhooks source feeding one application. */
export function sluiceConfig(s: SluiceSetup): string {
  const endpoints = [
    ...s.endpoints.map((url, i) => `      - { id: ep${i}, url: "${url}", secret: "${BENCH_SECRET}" }`),
    ...(s.rawEndpoints ?? []).map((yaml) => `      - ${yaml}`),
  ];
  const delivery = [
    s.deliveryConcurrency ? `concurrency: ${s.deliveryConcurrency}` : '',
    s.endpointConcurrency ? `endpointConcurrency: ${s.endpointConcurrency}` : '',
  ].filter(Boolean);
  return [
    `apiToken: ${BENCH_TOKEN}`,
    'allowPrivateNetworks: true',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: "${s.dir}"`,
    `storage: { url: "${s.storageUrl}" }`,
    `logLevel: ${s.logLevel}`,
    ...(s.groupCommitMaxBatch ? [`ingest: { groupCommitMaxBatch: ${s.groupCommitMaxBatch} }`] : []),
    ...(delivery.length > 0 ? [`delivery: { ${delivery.join(', ')} }`] : []),
    ...(s.top ? [s.top] : []),
    'applications:',
    `  ${APP}:`,
    endpoints.length > 0 ? '    endpoints:' : '    endpoints: []',
    ...endpoints,
    'sources:',
    `  ${SOURCE}: { provider: standard-webhooks, secrets: ["${BENCH_SECRET}"], application: ${APP} }`,
    '',
  ].join('\n');
}

export function writeConfig(s: SluiceSetup, name = 'sluice.yaml'): string {
  const file = join(s.dir, name);
  writeFileSync(file, sluiceConfig(s));
  return file;
}

export interface RunningSluice {
  child: Child;
  url: string;
}

/** Starts `bin/sluice serve` on a free port and waits until it listens. */
export async function startSluice(
  configFile: string,
  opts: { cpuProfDir?: string; name?: string; nodeArgs?: string[] } = {},
): Promise<RunningSluice> {
  const nodeArgs = [...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : []), ...(opts.nodeArgs ?? [])];
  const child = startNode(opts.name ?? 'sluice', 'bin/sluice', ['serve', '--config', configFile], { nodeArgs, tsx: false });
  const match = await child.waitFor(/Sluice listening on (http:\/\/[\d.]+:\d+)/, 60_000);
  return { child, url: match[1] as string };
}
