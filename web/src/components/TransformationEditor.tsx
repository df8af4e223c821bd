import { useEffect, useRef, useState } from 'preact/hooks';
import type { JsonCall } from '../fetch-json.ts';
import { useQuery } from '../query.ts';
import { Badge, Note, Panel, Problem } from './ui.tsx';

/** `GET …/transformation`: a source's also says where its code comes from (the API's wins over the YAML's). */
interface TransformationOut {
  code: string | null;
  enabled: boolean;
  updatedAt?: string;
  origin?: 'api' | 'config' | null;
}

interface WebhookOut {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: unknown;
  eventType: string | null;
}

/** `POST …/transformation/test`: a failing function is an answer, not an error of the request. */
type TestOut =
  | { ok: true; cancelled: false; webhook: WebhookOut }
  | { ok: true; cancelled: true; reason: string }
  | { ok: false; error: string };

/** What the editor tests on until the user writes another payload. */
export interface TransformationSample {
  eventType: string | null;
  payload: unknown;
}

/** An event type as both front ends list it with its content: the examples sit in its schemas. */
export interface EventTypeWithExamples {
  name: string;
  archived?: boolean;
  schemas: Record<string, unknown> | null;
}

/**
 * The sample for an endpoint: the example of the first event type it receives
 * that has one, else that type with `{}`. Without types, `{}`.
 */
/** The first example in an event type's schemas, if any. */
export function exampleOf(type: EventTypeWithExamples | undefined): unknown {
  return Object.values(type?.schemas ?? {}).flatMap((s) => {
    const examples = (s as { examples?: unknown } | null)?.examples;
    return Array.isArray(examples) ? examples : [];
  })[0];
}

/**
 * The sample for an endpoint: the example of the first event type it receives
 * that has one, else that type with `{}`. Without types, `{}`.
 */
export function sampleFor(types: readonly EventTypeWithExamples[], filterTypes: readonly string[] | null): TransformationSample {
  const received = types.filter((t) => !t.archived && (filterTypes === null || filterTypes.includes(t.name)));
  for (const t of received) {
    const example = exampleOf(t);
    if (example !== undefined) return { eventType: t.name, payload: example };
  }
  return { eventType: received[0]?.name ?? null, payload: {} };
}

const PLACEHOLDER = `(webhook) => {
  // webhook = { method, url, headers, payload, eventType }
  webhook.payload = { ...webhook.payload, source: 'sluice' };
  return webhook;
}`;

const pretty = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function Outcome({ result }: { result: TestOut }) {
  if (!result.ok)
    return (
      <p class="problem" role="alert">
        Test failed: {result.error}
      </p>
    );
  if (result.cancelled)
    return (
      <p class="muted" role="status">
        Cancelled: this webhook would not be sent ({result.reason}).
      </p>
    );
  const w = result.webhook;
  return (
    <section class="stack transformation-result" aria-label="Test result">
      <dl class="facts">
        <dt>Method</dt>
        <dd class="mono">{w.method}</dd>
        <dt>URL</dt>
        <dd class="mono">{w.url}</dd>
        <dt>Event type</dt>
        <dd class="mono">{w.eventType ?? '—'}</dd>
      </dl>
      {(
        [
          ['Headers', w.headers],
          ['Payload', w.payload],
        ] as const
      ).map(([name, value]) => (
        <div key={name}>
          <span class="muted" aria-hidden="true">
            {name}
          </span>
          <pre class="code" aria-label={`Transformed ${name.toLowerCase()}`} tabIndex={0}>
            {pretty(value)}
          </pre>
        </div>
      ))}
    </section>
  );
}

/**
 * The transformation of an endpoint or a source: its code, whether it runs, a
 * test on a sample payload through `…/transformation/test` (the real sandbox
 * and rules, nothing stored), Save and Remove. One component for the console
 * and the portal: `call` is the front end's client and `path` the owner's API
 * path (`/app/{app}/endpoint/{id}` or `/source/{name}`). Without `canEdit` the
 * code is shown read-only and nothing is offered (the server refuses anyway).
 */
export function TransformationEditor({
  call,
  path,
  canEdit,
  sample,
  runsAt = 'delivery',
  title = 'Transformation',
}: {
  call: JsonCall;
  path: string;
  canEdit: boolean;
  sample: TransformationSample;
  /** An endpoint's runs before each delivery is signed, a source's at ingest. */
  runsAt?: 'delivery' | 'ingest';
  title?: string;
}) {
  const base = `${path}/transformation`;
  const stored = useQuery(`transformation:${base}`, () => call<TransformationOut>(base));
  const [code, setCode] = useState('');
  const [enabled, setEnabled] = useState(true);
  // Whether the user has changed the code or the toggle since it was last loaded (a ref: the effect below must not rerun on it).
  const edited = useRef(false);
  const sampleText = pretty(sample.payload);
  const [payload, setPayload] = useState(sampleText);
  const [payloadEdited, setPayloadEdited] = useState(false);
  const [result, setResult] = useState<TestOut | null>(null);
  const [problem, setProblem] = useState<Error | undefined>(undefined);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const t = stored.data;

  // What the server holds fills the editor until the user types; after Save or Remove it fills it again.
  useEffect(() => {
    if (!t || edited.current) return;
    setCode(t.code ?? '');
    setEnabled(t.code === null ? true : t.enabled);
  }, [t]);
  // The sample may come after the editor (the event types load on their own).
  useEffect(() => {
    if (!payloadEdited) setPayload(sampleText);
  }, [sampleText, payloadEdited]);

  const act = async (work: () => Promise<void>) => {
    setProblem(undefined);
    setNote(null);
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setProblem(err as Error);
    } finally {
      setBusy(false);
    }
  };
  /** Runs the written code on the test payload; `null` when there is nothing to run. */
  const runTest = async (): Promise<TestOut | null> => {
    if (!code.trim()) {
      setProblem(new Error('Write a transformation first.'));
      return null;
    }
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch (err) {
      setProblem(new Error(`The test payload is not valid JSON: ${(err as Error).message}`, { cause: err }));
      return null;
    }
    const out = await call<TestOut>(`${base}/test`, {
      method: 'POST',
      json: { code, payload: value, ...(sample.eventType ? { eventType: sample.eventType } : {}) },
    });
    setResult(out);
    return out;
  };
  const test = () => act(async () => void (await runTest()));
  const save = () =>
    act(async () => {
      // A function that does not run would fail every delivery: it is tested first and saved only if the user insists.
      const check = await runTest();
      if (check === null) return;
      if (!check.ok && !window.confirm(`The test fails: ${check.error}\n\nSave it anyway? Every webhook would fail the same way.`)) return;
      await call(base, { method: 'PATCH', json: { code, enabled } });
      edited.current = false;
      setNote('Saved');
      stored.refetch();
    });
  const remove = () =>
    act(async () => {
      if (!window.confirm('Remove the transformation? Webhooks then go out as they come in.')) return;
      await call(base, { method: 'PATCH', json: { code: null } });
      edited.current = false;
      // Cleared now, not when the refetch lands: "Removed" must never stand beside the removed code.
      setCode('');
      setEnabled(true);
      setResult(null);
      setNote('Removed');
      stored.refetch();
    });

  const fromConfig = t?.origin === 'config';
  const removable = t !== undefined && t.code !== null && !fromConfig;
  return (
    <Panel title={title}>
      <div class="stack transformation">
        <p class="muted">
          A JavaScript function <code>(webhook) =&gt; webhook</code> over <code>{'{ method, url, headers, payload, eventType }'}</code>, run
          in a sandbox on every webhook {runsAt === 'ingest' ? 'as it comes in, before it is stored' : 'before it is signed and sent'}. Set{' '}
          <code>webhook.cancel = true</code> to drop one.
        </p>
        <Problem error={stored.error} />
        {t && !canEdit && t.code === null ? <p class="empty">No transformation.</p> : null}
        {t && (canEdit || t.code !== null) ? (
          <>
            {fromConfig ? (
              <p class="muted">From the configuration file. Saving here overrides it; removing the saved one goes back to it.</p>
            ) : null}
            <label class="field">
              <span>Transformation code</span>
              <textarea
                class="mono"
                rows={10}
                spellcheck={false}
                readOnly={!canEdit}
                placeholder={canEdit ? PLACEHOLDER : undefined}
                value={code}
                onInput={(e) => {
                  setCode((e.target as HTMLTextAreaElement).value);
                  edited.current = true;
                }}
              />
            </label>
            {canEdit ? (
              <label class="check">
                <input
                  type="checkbox"
                  checked={enabled}
                  onChange={(e) => {
                    setEnabled((e.target as HTMLInputElement).checked);
                    edited.current = true;
                  }}
                />
                <span>Enabled</span>
              </label>
            ) : (
              <p>
                <Badge value={t.enabled ? 'enabled' : 'disabled'} />
              </p>
            )}
          </>
        ) : null}
        {t && canEdit ? (
          <>
            <label class="field">
              <span>Test payload{sample.eventType ? ` (sent as ${sample.eventType})` : ''}</span>
              <textarea
                class="mono"
                rows={6}
                spellcheck={false}
                value={payload}
                onInput={(e) => {
                  setPayload((e.target as HTMLTextAreaElement).value);
                  setPayloadEdited(true);
                }}
              />
            </label>
            <div class="actions">
              <button type="button" onClick={test} disabled={busy}>
                Test
              </button>
              <button type="button" class="primary" onClick={save} disabled={busy}>
                Save
              </button>
              {removable ? (
                <button type="button" class="danger" onClick={remove} disabled={busy}>
                  Remove
                </button>
              ) : null}
              <Note text={note} />
            </div>
            <Problem error={problem} />
            {result ? <Outcome result={result} /> : null}
          </>
        ) : null}
      </div>
    </Panel>
  );
}

/** The console's disclosure for a table row's transformation: it opens a `TransformationRow` under the row. */
export function TransformationToggle({ open, onToggle, controls }: { open: boolean; onToggle: () => void; controls: string }) {
  return (
    <button type="button" class="small" aria-expanded={open} aria-controls={controls} onClick={onToggle}>
      Transformation
    </button>
  );
}

/** The editor as a full-width table row under the row it belongs to. */
export function TransformationRow({
  id,
  colSpan,
  ...editor
}: { id: string; colSpan: number } & Parameters<typeof TransformationEditor>[0]) {
  return (
    <tr id={id} class="detail-row">
      <td colSpan={colSpan}>
        <TransformationEditor {...editor} />
      </td>
    </tr>
  );
}
