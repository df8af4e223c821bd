import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { API_TOKEN } from '../helpers/gateway.ts';
import { SOURCE_SECRET, signedHeaders } from './child-gateway.ts';
import { head, type RawRequest } from './raw-http.ts';

/** What a correct gateway answers: stored (2xx), a duplicate (2xx), refused (4xx JSON). */
export type Expect = 'accept' | 'duplicate' | 'reject';

export interface HostileCase {
  kind: string;
  request: RawRequest;
  expect: Expect;
  /** The sender may see the connection closed instead of a response (body or headers over a limit). */
  mayReset?: boolean;
  /** The webhook-id, when the gateway must store it (signed) or must never store it (forged). */
  id?: string;
  forged?: boolean;
}

export const BODY_LIMIT = 64 * 1024;
const other = new Webhook('whsec_b3RoZXItc2VjcmV0LW5vdC1vdXJzLTAxMjM0NTY3');
const SOURCE_KEY = Buffer.from(SOURCE_SECRET.slice('whsec_'.length), 'base64');

/** A small seeded generator, so a failing run can be repeated with FAULTS_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Signs raw bytes as Standard Webhooks does. Used only for bodies that are not
 * valid UTF-8, which the `standardwebhooks` package turns into a string before
 * signing (and so cannot sign byte-exact).
 */
function signBytes(id: string, ts: number, body: Buffer): string {
  return `v1,${createHmac('sha256', SOURCE_KEY).update(`${id}.${ts}.`).update(body).digest('base64')}`;
}

const post = (path: string, headers: Record<string, string>, body: Buffer, extra: Array<[string, string]> = []): RawRequest => ({
  head: head('POST', path, [...Object.entries(headers), ...extra], body.length),
  body,
});

export class CaseFactory {
  private n = 0;
  /** Valid requests already answered, for replays. */
  readonly sentValid: RawRequest[] = [];

  constructor(
    private readonly rand: () => number,
    private readonly runId: string,
  ) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)] as T;
  }

  private id(): string {
    return `hostile_${this.runId}_${this.n++}`;
  }

  private json(size = 200 + Math.floor(this.rand() * 2000)): Buffer {
    return Buffer.from(JSON.stringify({ type: 'hostile.test', pad: 'p'.repeat(size), n: this.n }));
  }

  valid(): HostileCase {
    const id = this.id();
    const body = this.json();
    const request = post('/in/std', signedHeaders(id, body), body);
    return { kind: 'valid', request, expect: 'accept', id };
  }

  /** Signed but not JSON / nested beyond reason / not UTF-8 / another content type: stored (as invalid where it claims JSON). */
  signedOdd(): HostileCase {
    const id = this.id();
    const variant = this.pick([
      'malformed',
      'deep-array',
      'deep-object',
      'bad-utf8',
      'text/plain',
      'xml',
      'multipart',
      'octet',
      'form',
      'no-type',
    ] as const);
    let body: Buffer;
    let type = 'application/json';
    if (variant === 'malformed')
      body = Buffer.from(this.pick(['{"a":', '{"a" 1}', '[1,2,,]', "{'a':1}", 'nul', '{"a":"\\u12"}', '{}}', '\u0000{}']));
    else if (variant === 'deep-array') {
      const depth = 1000 + Math.floor(this.rand() * 30_000);
      body = Buffer.from('['.repeat(depth) + ']'.repeat(depth));
    } else if (variant === 'deep-object') {
      const depth = 1000 + Math.floor(this.rand() * 6000);
      body = Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    } else if (variant === 'bad-utf8') {
      body = Buffer.concat([Buffer.from('{"type":"x","s":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    } else {
      body = variant === 'form' ? Buffer.from('a=1&b=%ZZ&&=') : this.json(100);
      type = {
        'text/plain': 'text/plain',
        xml: 'application/xml',
        multipart: 'multipart/form-data; boundary=zzz',
        octet: 'application/octet-stream',
        form: 'application/x-www-form-urlencoded',
        'no-type': '',
      }[variant];
    }
    const ts = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signBytes(id, ts, body),
    };
    if (type) headers['content-type'] = type;
    return { kind: `signed-${variant}`, request: post('/in/std', headers, body), expect: 'accept', id };
  }

  replay(): HostileCase | undefined {
    if (this.sentValid.length === 0) return undefined;
    return { kind: 'replay', request: this.pick(this.sentValid), expect: 'duplicate' };
  }

  forged(): HostileCase {
    const id = this.id();
    const body = this.json(300);
    const good = signedHeaders(id, body);
    const variant = this.pick([
      'random',
      'other-secret',
      'other-body',
      'other-id',
      'v2-only',
      'empty',
      'missing',
      'many',
      'huge',
      'bad-ts',
      'expired',
      'future',
      'unsigned-deep',
      'unsigned-utf8',
      'wrong-type',
    ] as const);
    const h: Record<string, string> = { ...good };
    let payload = body;
    switch (variant) {
      case 'random':
        h['webhook-signature'] = `v1,${randomBytes(32).toString('base64')}`;
        break;
      case 'other-secret':
        h['webhook-signature'] = other.sign(id, new Date(), body);
        break;
      case 'other-body':
        h['webhook-signature'] = signedHeaders(id, this.json(10))['webhook-signature'] as string;
        break;
      case 'other-id':
        h['webhook-signature'] = signedHeaders(`${id}x`, body)['webhook-signature'] as string;
        break;
      case 'v2-only':
        h['webhook-signature'] = `v2,${randomBytes(32).toString('base64')}`;
        break;
      case 'empty':
        h['webhook-signature'] = '';
        break;
      case 'missing':
        delete h['webhook-signature'];
        delete h['webhook-timestamp'];
        break;
      case 'many':
        h['webhook-signature'] = Array.from({ length: 200 }, () => `v1,${randomBytes(32).toString('base64')}`).join(' ');
        break;
      case 'huge':
        h['webhook-signature'] = `v1,${'A'.repeat(8000)}`;
        break;
      case 'bad-ts':
        h['webhook-timestamp'] = this.pick(['-1', '1e10', 'NaN', '99999999999999999999', ' 1']);
        break;
      case 'expired':
        Object.assign(h, signedHeaders(id, body, new Date(Date.now() - 10 * 60_000)));
        break;
      case 'future':
        Object.assign(h, signedHeaders(id, body, new Date(Date.now() + 10 * 60_000)));
        break;
      case 'unsigned-deep':
        payload = Buffer.from('['.repeat(20_000) + ']'.repeat(20_000));
        break;
      case 'unsigned-utf8':
        payload = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
        break;
      case 'wrong-type':
        h['content-type'] = 'text/xml';
        h['webhook-signature'] = `v1,${randomBytes(32).toString('base64')}`;
        break;
    }
    return { kind: `forged-${variant}`, request: post('/in/std', h, payload), expect: 'reject', id, forged: true };
  }

  tooLarge(): HostileCase {
    const id = this.id();
    const size = BODY_LIMIT + 1 + Math.floor(this.rand() * 200_000);
    const body = Buffer.alloc(size, 0x61);
    const variant = this.pick(['fast', 'slow', 'chunked', 'lying-length'] as const);
    const headers = signedHeaders(id, body);
    if (variant === 'chunked') {
      const chunks = [Buffer.from(`${size.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')];
      return {
        kind: 'too-large-chunked',
        request: {
          head: head('POST', '/in/std', [...Object.entries(headers), ['Transfer-Encoding', 'chunked']]),
          body: Buffer.concat(chunks),
          chunk: 16_384,
        },
        expect: 'reject',
        mayReset: true,
        id,
        forged: true,
      };
    }
    if (variant === 'lying-length') {
      // Declares a small body, sends a large one: the extra bytes are a second, garbage request.
      return {
        kind: 'too-large-lying-length',
        request: { head: head('POST', '/in/std', Object.entries(headers), 10), body },
        expect: 'reject',
        mayReset: true,
        id,
        forged: true,
      };
    }
    const request = post('/in/std', headers, body);
    if (variant === 'slow') Object.assign(request, { chunk: 4096, pauseMs: 3 });
    return { kind: `too-large-${variant}`, request, expect: 'reject', mayReset: true, id, forged: true };
  }

  headerFlood(): HostileCase {
    const id = this.id();
    const body = this.json(100);
    const variant = this.pick(['thousands', 'huge-value', 'hundreds-signed'] as const);
    if (variant === 'hundreds-signed') {
      // Under the header size limit: a valid request that merely carries many headers.
      const extra = Array.from({ length: 300 }, (_, i): [string, string] => [`x-h${i}`, 'v']);
      return { kind: 'many-headers-signed', request: post('/in/std', signedHeaders(id, body), body, extra), expect: 'accept', id };
    }
    const extra: Array<[string, string]> =
      variant === 'thousands'
        ? Array.from({ length: 2000 + Math.floor(this.rand() * 4000) }, (_, i) => [`x-flood-${i}`, 'vvvvvvvv'])
        : [['x-huge', 'h'.repeat(20_000 + Math.floor(this.rand() * 200_000))]];
    return {
      kind: `header-${variant}`,
      request: post('/in/std', signedHeaders(id, body), body, extra),
      expect: 'reject',
      mayReset: true,
      id,
      forged: true,
    };
  }

  badPath(): HostileCase {
    const body = this.json(50);
    const auth: [string, string] = ['Authorization', `Bearer ${API_TOKEN}`];
    const path = this.pick([
      `/in/nope-${this.n++}`,
      '/in/',
      '/in//std',
      '/in/STD',
      '/in/std/',
      '/in/std/extra',
      '/in/../api/v1/app/app/msg',
      '/in/..%2f..%2fapi%2fv1%2fapp%2fapp%2fmsg',
      '/in/%2e%2e/%2e%2e/etc/passwd',
      '/in/std/../../api/v1/app/app/msg',
      '/in/..%5c..%5cwindows',
      '/in/std%00',
      '/in/%00',
      '/in/%ff%fe',
      `/in/${'a'.repeat(5000)}`,
      '/in/std;/../../api/v1/app/app/msg',
      '/in/%252e%252e%252f',
    ]);
    return { kind: 'bad-path', request: post(path, { 'content-type': 'application/json' }, body, [auth]), expect: 'reject' };
  }

  badFraming(): HostileCase {
    const variant = this.pick(['method', 'garbage', 'bad-length', 'both-lengths', 'bad-chunk', 'http09'] as const);
    const requests: Record<typeof variant, RawRequest> = {
      method: { head: head(this.pick(['GET', 'PUT', 'DELETE', 'PATCH']), '/in/std', [], 0) },
      garbage: { head: `${randomBytes(64).toString('latin1')}\r\n\r\n` },
      'bad-length': { head: head('POST', '/in/std', [['Content-Length', this.pick(['-1', 'abc', '1e3', '99999999999999999999'])]]) },
      'both-lengths': {
        head: head('POST', '/in/std', [
          ['Content-Length', '5'],
          ['Transfer-Encoding', 'chunked'],
        ]),
        body: Buffer.from('0\r\n\r\n'),
      },
      'bad-chunk': { head: head('POST', '/in/std', [['Transfer-Encoding', 'chunked']]), body: Buffer.from('zz\r\nhello\r\n0\r\n\r\n') },
      http09: { head: 'GET /in/std\r\n\r\n' },
    };
    return {
      kind: `framing-${variant}`,
      request: requests[variant],
      expect: 'reject',
      mayReset: variant === 'garbage' || variant === 'http09',
    };
  }

  /** One case of the mix: mostly hostile, some valid traffic alongside. */
  next(): HostileCase {
    const r = this.rand();
    if (r < 0.12) return this.valid();
    if (r < 0.2) return this.replay() ?? this.valid();
    if (r < 0.34) return this.signedOdd();
    if (r < 0.58) return this.forged();
    if (r < 0.68) return this.tooLarge();
    if (r < 0.76) return this.headerFlood();
    if (r < 0.9) return this.badPath();
    return this.badFraming();
  }
}
