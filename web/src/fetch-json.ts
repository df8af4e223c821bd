/** An /api/v1 answer that was not 2xx: its status and Svix-style `code` and `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How a front end authenticates: the console by its same-origin cookie, the portal by a bearer session (it runs in other sites' frames). */
export interface Caller {
  credentials: RequestCredentials;
  bearer?: () => string | null;
  /** Told about a 401, e.g. to show the sign-in or "link has expired" page. */
  onUnauthorized?: (path: string) => void;
}

/** One JSON call to /api/v1 (`json` is sent as the body); 204 is `undefined`, a non-JSON body is returned as text. */
export async function fetchJson<T>(caller: Caller, path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const token = caller.bearer?.();
  const res = await fetch(`/api/v1${path}`, {
    credentials: caller.credentials,
    ...rest,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(rest.headers ?? {}),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const b = (body ?? {}) as { code?: string; detail?: string };
    if (res.status === 401) caller.onUnauthorized?.(path);
    throw new ApiError(res.status, b.code ?? 'error', b.detail ?? `HTTP ${res.status}`);
  }
  return body as T;
}

/** A front end's bound client (the console's `api`, the portal's `papi`): what a component shared by both is given. */
export type JsonCall = <T>(path: string, init?: RequestInit & { json?: unknown }) => Promise<T>;
