/** A JSON client for a listening control plane, and waiting for a rollout run to end. */
export type JsonApi = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>;

/** `baseUrl` is read on every call, so a test may restart its server on another address. */
export function jsonApi(baseUrl: () => string, token: string): JsonApi {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

const ENDED = ['succeeded', 'failed', 'rolled_back', 'aborted'];

/** Polls a run until it ends or `looks` run out (50 ms apart); resolves to the last state read. */
export async function waitForRunEnd(api: JsonApi, id: string, looks = 600): Promise<any> {
  let run = (await api('GET', `/api/v1/rollout-runs/${id}`)).body;
  for (let i = 0; i < looks && !ENDED.includes(run.status); i++) {
    await new Promise((r) => setTimeout(r, 50));
    run = (await api('GET', `/api/v1/rollout-runs/${id}`)).body;
  }
  return run;
}
