/** A small client for the control plane's /api/v1; problems become CliErrors. */
import { CliError } from '../errors.js';
import type { Credentials } from './credentials.js';

export class ApiClient {
  constructor(private readonly credentials: Credentials) {}

  get url(): string {
    return this.credentials.url;
  }

  // biome-ignore lint/suspicious/noExplicitAny: response shapes are the server's; call sites name what they read
  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.credentials.token) h.authorization = `Bearer ${this.credentials.token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.credentials.url}${path}`, {
        method,
        headers: h,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        'Cannot reach Sluice',
        `${this.credentials.url} did not answer (${cause?.code ?? cause?.message ?? (error as Error).message}); is \`sluice up\` running, and is SLUICE_URL right?`,
      );
    }
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: untyped JSON until it is checked below
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain text (metrics)
    }
    if (!res.ok) {
      if (parsed && typeof parsed === 'object' && typeof parsed.title === 'string') {
        const hint = res.status === 401 ? this.tokenHint() : '';
        throw new CliError(
          parsed.title,
          `${parsed.detail ?? ''}${hint}`,
          parsed.errors ?? [],
          1,
          parsed.code,
        );
      }
      throw new CliError(
        `HTTP ${res.status}`,
        typeof parsed === 'string' ? parsed.slice(0, 500) : JSON.stringify(parsed),
      );
    }
    return parsed as T;
  }

  private tokenHint(): string {
    const { token, tokenSource } = this.credentials;
    return token ? ` (token from ${tokenSource})` : ` (no token: ${tokenSource})`;
  }
}
