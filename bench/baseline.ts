/**
 * The baseline: a plain `node:http` server that reads the whole body and
 * answers 200 with a small JSON, nothing else. It is the ceiling for any Node
 * server on this machine; Sluice's figures are quoted as a ratio of it.
 * `node --import tsx bench/baseline.ts` prints `READY <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  req.on('end', () => {
    const body = `{"received":${size}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
