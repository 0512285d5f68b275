/**
 * The one way the dashboard calls Sluice: openapi-fetch typed by schema.d.ts (generated from the
 * server's OpenAPI document), the bearer token in the Authorization header, and every failure
 * turned into an ApiError carrying the problem+json the server sent.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export type Api = ReturnType<typeof createClient<paths>>;

/** A failed call: the server's problem (title, detail, code, fields) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | null,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export function createApi(token: string, baseUrl = '', fetchImpl?: typeof fetch): Api {
  const api = createClient<paths>({
    baseUrl,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
  api.use(auth);
  return api;
}

/** Unwraps an openapi-fetch result: the data, or an ApiError. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    throw new ApiError(response.status, (error as Partial<Problem> | undefined) ?? null);
  }
  return data as NonNullable<T>;
}

/** A one-line explanation of any failure, with the bad fields when validation failed. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.problem?.errors?.map((f) => `${f.path}: ${f.message}`).join('; ');
    return fields ? `${error.message} (${fields})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
