import { useState } from 'preact/hooks';
import { papi, plainUrlProblem, PortalApiError, type EndpointOut, type EventTypeOut, type ListPage } from '../api.ts';
import { useQuery } from '../../query.ts';
import { useAppPath, usePortal } from '../session.ts';

/** The schedule field's text as the API's `retrySchedule`: durations split on commas and spaces; empty: the gateway's schedule. */
const scheduleOf = (text: string): string[] | null => {
  const delays = text.split(/[\s,]+/).filter(Boolean);
  return delays.length ? delays : null;
};

/**
 * Create or edit an endpoint: URL, description, event types picked from the
 * catalog, channels, rate limit, and a retry schedule where the operator allows it.
 */
export function EndpointForm({
  existing,
  onSaved,
  onCancel,
}: {
  existing?: EndpointOut;
  onSaved: (e: EndpointOut) => void;
  onCancel: () => void;
}) {
  const appPath = useAppPath();
  const allowRetrySchedule = usePortal().allowRetrySchedule === true;
  const catalog = useQuery('catalog', () => papi<ListPage<EventTypeOut>>('/event-type?limit=250&with_content=false'));
  const [url, setUrl] = useState(existing?.url ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [types, setTypes] = useState<string[]>(existing?.filterTypes ?? []);
  const [channels, setChannels] = useState((existing?.channels ?? []).join(', '));
  const [rateLimit, setRateLimit] = useState(existing?.rateLimit != null ? String(existing.rateLimit) : '');
  const [retrySchedule, setRetrySchedule] = useState((existing?.retrySchedule ?? []).join(', '));
  const [problem, setProblem] = useState<{ field: 'url' | 'retry' | 'other'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (name: string) => setTypes((t) => (t.includes(name) ? t.filter((x) => x !== name) : [...t, name]));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const body = {
      url: url.trim(),
      description,
      filterTypes: types.length ? types : null,
      channels: channels
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
      rateLimit: rateLimit.trim() === '' ? null : Number(rateLimit),
      // Sent only where the operator allows it: the API refuses it otherwise.
      ...(allowRetrySchedule ? { retrySchedule: scheduleOf(retrySchedule) } : {}),
    };
    try {
      const saved = existing
        ? await papi<EndpointOut>(`${appPath}/endpoint/${encodeURIComponent(existing.id)}`, { method: 'PATCH', json: body })
        : await papi<EndpointOut>(`${appPath}/endpoint`, { method: 'POST', json: body });
      onSaved(saved);
    } catch (err) {
      const detail = err instanceof PortalApiError ? err.message : String(err);
      setProblem(
        /^body\.url/.test(detail) || /SSRF/.test(detail)
          ? { field: 'url', text: plainUrlProblem(detail) }
          : /^body\.retrySchedule/.test(detail)
            ? { field: 'retry', text: detail.replace(/^body\.retrySchedule(\[\d+\])?:\s*/, '') }
            : { field: 'other', text: detail.replace(/^body\.\w+:\s*/, '') },
      );
    } finally {
      setBusy(false);
    }
  };

  const names = (catalog.data?.data ?? []).filter((t) => !t.archived);
  return (
    <form class="stack portal-form" onSubmit={submit} aria-label={existing ? 'Edit endpoint' : 'New endpoint'}>
      <label class="field">
        <span>Endpoint URL</span>
        <input
          type="url"
          required
          value={url}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          placeholder="https://example.com/webhooks"
          aria-invalid={problem?.field === 'url' ? 'true' : undefined}
          aria-describedby={problem?.field === 'url' ? 'url-problem' : undefined}
        />
      </label>
      {problem?.field === 'url' && (
        <p id="url-problem" class="problem" role="alert">
          {problem.text}
        </p>
      )}
      <label class="field">
        <span>Description</span>
        <input value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
      </label>
      <fieldset class="event-picker">
        <legend>Event types to receive (none ticked: every event type)</legend>
        {catalog.loading && !catalog.data && <p class="empty">Loading the event catalog…</p>}
        {names.map((t) => (
          <label key={t.name} class="check">
            <input type="checkbox" checked={types.includes(t.name)} onChange={() => toggle(t.name)} />
            <span class="mono">{t.name}</span>
            {t.description && <span class="muted"> — {t.description}</span>}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <label class="field">
          <span>Channels (comma-separated, optional)</span>
          <input value={channels} onInput={(e) => setChannels((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>Rate limit (messages per second, optional)</span>
          <input type="number" min="1" value={rateLimit} onInput={(e) => setRateLimit((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {allowRetrySchedule && (
        <label class="field">
          <span>Retry schedule (delays between attempts, such as 5s, 5m, 2h; empty: the default schedule)</span>
          <input
            value={retrySchedule}
            onInput={(e) => setRetrySchedule((e.target as HTMLInputElement).value)}
            placeholder="5s, 5m, 30m, 2h"
            aria-invalid={problem?.field === 'retry' ? 'true' : undefined}
            aria-describedby={problem?.field === 'retry' ? 'retry-problem' : undefined}
          />
        </label>
      )}
      {problem?.field === 'retry' && (
        <p id="retry-problem" class="problem" role="alert">
          {problem.text}
        </p>
      )}
      {problem?.field === 'other' && (
        <p class="problem" role="alert">
          {problem.text}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {existing ? 'Save endpoint' : 'Create endpoint'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
