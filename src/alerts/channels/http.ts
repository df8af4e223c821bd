/** A channel's answer was not a success: the status and the start of the body, never the URL (it may hold a secret). */
export class ChannelError extends Error {}

/** POSTs JSON to a channel; any non-2xx answer or network error throws a `ChannelError`. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(url, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', ...headers },
      signal: controller.signal,
      redirect: 'manual',
    });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) throw new ChannelError(`answered ${res.status}: ${text.slice(0, 200)}`);
    return text;
  } catch (err) {
    if (err instanceof ChannelError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new ChannelError(`could not be reached (${cause})`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
