import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { API_TOKEN, eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { freshDatabase, postgresSkip } from '../scale/cluster.ts';
import { brokerSkip, redisClient, REDIS_URL, unique } from './broker-helpers.ts';

const skip = (await brokerSkip(6379, 'Redis')) || (await postgresSkip());

describe('broker sources consume where the ingest role runs', { skip }, () => {
  const stream = unique('sluice:src-roles:');
  const redis = redisClient();
  const receiver = new Receiver();
  const tmp = tempDir('sluice-broker-roles-');
  const gateways: Gateway[] = [];
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let yaml = '';

  before(async () => {
    await receiver.start();
    db = await freshDatabase();
    yaml = `apiToken: ${API_TOKEN}
server: { host: 127.0.0.1, port: 0 }
dataDir: "${tmp.dir}"
storage: { url: "${db.url}" }
allowPrivateNetworks: true
brokers:
  redis: { type: redis, url: "${REDIS_URL}" }
applications:
  app:
    endpoints:
      - { id: ep, url: "${receiver.url}" }
sources:
  events: { provider: redis, connection: redis, stream: "${stream}", application: app }
`;
  });
  after(async () => {
    for (const g of gateways.reverse()) await g.stop();
    await db?.drop();
    await redis.del(stream).catch(() => undefined);
    redis.disconnect();
    await receiver.stop();
    tmp.remove();
  });

  const start = async (role: 'worker' | 'ingest') => {
    const g = await startGateway(parseConfig(yaml, 'roles.yaml', {}, {}), createLogger('warn', new LogSink()), { role });
    gateways.push(g);
    return g;
  };

  test('a worker-only process leaves the stream alone; an ingest process consumes it and the worker delivers', {
    timeout: 60_000,
  }, async () => {
    await start('worker');
    await redis.xadd(stream, '*', 'id', 'e1', 'body', '{"n":1}');
    await new Promise((r) => setTimeout(r, 1500));
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[];
    assert.equal(groups.length, 0, 'no consumer group: the worker role does not consume');
    assert.equal(receiver.requests.length, 0);
    await start('ingest');
    await eventually(() => (receiver.requests.length === 1 ? true : undefined), 20_000, 'the delivery');
    assert.equal(receiver.requests[0]!.body.toString(), '{"n":1}');
  });
});
