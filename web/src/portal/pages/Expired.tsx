/** Where a used, expired or ended link lands: what happened, and what to do. */
export function Expired({ reason }: { reason: 'used' | 'expired' | 'ended' | 'unknown' | 'mismatch' }) {
  const why = {
    used: 'This link was already opened once. Each link works a single time.',
    expired: 'The link is too old to be opened.',
    ended: 'Your session has ended.',
    unknown: 'This link is not valid.',
    mismatch: 'This page was opened for another account.',
  }[reason];
  return (
    <main id="main" class="expired" aria-labelledby="expired-title">
      <h1 id="expired-title">This link has expired</h1>
      <p>{why}</p>
      <p>Open the webhooks page again from your dashboard to get a new link.</p>
    </main>
  );
}
