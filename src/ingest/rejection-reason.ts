/** Headers whose value is a unix time in seconds (or Stripe's `t=`), looked at to say how far off a rejected timestamp was. */
const TIMESTAMP_HEADERS = [
  'webhook-timestamp',
  'svix-timestamp',
  'x-slack-request-timestamp',
  'x-zm-request-timestamp',
  'x-signature-timestamp',
];

function timestampOf(headers: Record<string, string>): number | undefined {
  for (const name of TIMESTAMP_HEADERS) {
    const value = headers[name];
    if (value !== undefined && /^\d{9,11}$/.test(value.trim())) return Number(value) * 1000;
  }
  const stripe = /(?:^|,)\s*t=(\d{9,11})/.exec(headers['stripe-signature'] ?? '');
  return stripe ? Number(stripe[1]) * 1000 : undefined;
}

function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} minutes`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

/**
 * A verifier's reason in the words an operator acts on ("timestamp 9 minutes
 * old: check the sender's clock"). `headers` are the request's (for the
 * timestamp's age), `at` when it arrived.
 */
export function explainRejection(reason: string, headers: Record<string, string>, at: number): string {
  const ts = timestampOf(headers);
  if (/too old|outside the tolerance/.test(reason)) {
    if (ts !== undefined && ts > at) return `timestamp ${span(ts - at)} in the future: check the sender's clock`;
    return ts !== undefined
      ? `timestamp ${span(at - ts)} old: check the sender's clock, or this is a replay of an old request`
      : `the timestamp is too old (${reason}): check the sender's clock, or this is a replay of an old request`;
  }
  if (/in the future/.test(reason)) {
    return ts !== undefined
      ? `timestamp ${span(ts - at)} in the future: check the sender's clock`
      : `the timestamp is in the future: check the sender's clock`;
  }
  if (/no signature matches/.test(reason)) {
    const hint = /\(([^)]+)\)/.exec(reason)?.[1];
    return `no signature matches: the secret may have been rotated, or the body was changed on the way${hint ? ` (${hint})` : ''}`;
  }
  if (/^missing/.test(reason))
    return `not signed (${reason.replace(/^missing /, 'no ')}): is the sender set up for this source, or is this someone else?`;
  if (/replay|already used/.test(reason)) return `a replay of a request already received (${reason})`;
  if (/does not match|wrong username|password/.test(reason))
    return `wrong credentials (${reason}): compare the source's secret with the sender's`;
  if (/does not start with|has no v1|malformed|is not|needs|cannot be parsed|only /.test(reason))
    return `the signature is malformed (${reason}): the sender may use another scheme or version`;
  return reason;
}
