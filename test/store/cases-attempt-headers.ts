import assert from 'node:assert/strict';
import { it } from 'node:test';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, type StoreTarget } from './harness.ts';

export function attemptHeaderCases(target: StoreTarget): void {
  it('attempt headers: what was sent and what came back are stored with each attempt and read back as they were; none is null', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.ingest([message(app.id), message(app.id), message(app.id)]);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      assert.equal(leased.length, 3);
      // Values an array literal or a JSON text could trip on: quotes, commas, braces, backslashes, non-ASCII.
      const sent = {
        'webhook-id': 'msg_1',
        'webhook-signature': 'v1,abc= v1,def=',
        'x-note': 'say "hi", {ok} \\ né',
        authorization: '[redacted]',
      };
      const back: Array<[string, string]> = [
        ['content-type', 'text/plain'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b="2,3"'],
        ['x-empty', ''],
      ];
      // One batch: the rows of a multi-row insert keep their own headers (and a null stays null).
      await store.recordAttempts([
        result(leased[0]!, 'w1', { state: 'succeeded' }, { requestHeaders: sent, responseHeaders: back }),
        result(
          leased[1]!,
          'w1',
          { state: 'dead' },
          { requestHeaders: { 'webhook-id': 'msg_2' }, responseHeaders: null, status: null, error: 'connection refused' },
        ),
        result(leased[2]!, 'w1', { state: 'succeeded' }),
      ]);
      const page = await store.listAttempts({ appId: app.id, limit: 10 });
      const by = new Map(page.data.map((a) => [a.messageId, a]));
      const first = by.get(leased[0]!.message.id)!;
      assert.deepEqual(first.requestHeaders, sent);
      assert.deepEqual(first.responseHeaders, back, 'repeated names and their order are kept');
      assert.deepEqual(by.get(leased[1]!.message.id)?.requestHeaders, { 'webhook-id': 'msg_2' });
      assert.equal(by.get(leased[1]!.message.id)?.responseHeaders, null, 'no response: no response headers');
      assert.equal(by.get(leased[2]!.message.id)?.requestHeaders, null, 'an attempt recorded without headers reads back null');
      assert.equal(by.get(leased[2]!.message.id)?.responseHeaders, null);
      const one = await store.getAttempt(app.id, first.id);
      assert.deepEqual([one?.requestHeaders, one?.responseHeaders], [sent, back]);
    }));
}
