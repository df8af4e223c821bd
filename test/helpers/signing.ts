import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const STD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const STD_SECRET_2 = 'whsec_dGhpcyBpcyB0aGUgc2Vjb25kIHNlY3JldCEh';

let counter = 0;

/** Headers for a Standard Webhooks request, signed by the `standardwebhooks` package (not our code). */
export function stdHeaders(body: string, opts: { secret?: string; id?: string; at?: Date } = {}): Record<string, string> {
  const id = opts.id ?? `evt_${process.pid}_${Date.now()}_${++counter}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.secret ?? STD_SECRET).sign(id, at, body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

/** `prefix + hex(HMAC(secret, body))`, written from the generic HMAC definition. */
export function hmacHex(secret: string, body: string, algorithm = 'sha256'): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}
