/** The console's JSON API and live WebSocket feeds. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { error: text };
  }
  // The session ended (expired, logged out in another tab): the page shows the login again.
  if (res.status === 401) window.dispatchEvent(new Event('console:unauthorized'));
  if (!res.ok) throw new ApiError(res.status, data?.error ?? res.statusText);
  return data as T;
}

export const enc = encodeURIComponent;

/** A WebSocket to /api/live/<path>, closed by the returned function (pages call it when left). */
export function live(path: string, onMessage: (msg: any) => void): { socket: WebSocket; close: () => void } {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${proto}//${location.host}/api/live/${path}`);
  socket.onmessage = (e) => {
    try {
      onMessage(JSON.parse(String(e.data)));
    } catch {
      /* a message the page does not understand is dropped */
    }
  };
  return { socket, close: () => socket.close() };
}
