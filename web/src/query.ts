import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * The fetch/cache layer: a small equivalent of TanStack Query's useQuery for
 * what the console needs (loading and error state, refetch on an interval and
 * on demand, the last good data kept while refetching, stale answers dropped).
 * Fifty lines instead of a dependency and its React compatibility layer.
 */
export interface Query<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  refetch: () => void;
}

const listeners = new Set<() => void>();
/** Refetches every mounted query (after an action changed something). */
export function invalidateAll(): void {
  for (const l of listeners) l();
}

export function useQuery<T>(key: string, fetcher: () => Promise<T>, opts: { refetchMs?: number; enabled?: boolean } = {}): Query<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const enabled = opts.enabled !== false;

  const run = useCallback(() => {
    if (!enabled) return;
    const mine = ++seq.current;
    setLoading(true);
    fetcherRef.current().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: Error) => {
        if (mine !== seq.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [key, enabled]);

  useEffect(() => {
    setData(undefined);
    run();
    listeners.add(run);
    const timer = opts.refetchMs ? setInterval(() => document.visibilityState === 'visible' && run(), opts.refetchMs) : undefined;
    return () => {
      listeners.delete(run);
      if (timer) clearInterval(timer);
      seq.current++;
    };
  }, [run, opts.refetchMs]);

  return { data, error, loading, refetch: run };
}
