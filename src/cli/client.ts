/**
 * The CLI's HTTP client for a lifeboat server: `--server` / LIFEBOAT_SERVER and
 * `--token` / LIFEBOAT_TOKEN. Failures become CliError with the server's message and
 * causes, so the terminal shows what to fix.
 */
import type { Cause } from '../errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ClientOptions {
  server?: string;
  token?: string;
}

/** An error the CLI prints as is (no stack) before exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly causes: Cause[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class ApiClient {
  readonly server: string;
  private readonly token?: string;

  constructor(opts: ClientOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.server = (opts.server ?? env.LIFEBOAT_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
    this.token = opts.token ?? env.LIFEBOAT_TOKEN;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = contentType;
    let res: Response;
    try {
      res = await fetch(`${this.server}${path}`, { method, headers, body });
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new CliError(
        `cannot reach lifeboat at ${this.server} (${cause}); start it with 'lifeboat serve' or pass --server URL`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const status = (parsed ?? {}) as { message?: string; details?: { causes?: Cause[] } };
      const hint = res.status === 401 ? ' (pass --token or set LIFEBOAT_TOKEN)' : '';
      throw new CliError(
        `${res.status} ${status.message ?? res.statusText}${hint}`,
        status.details?.causes ?? [],
      );
    }
    return parsed as T;
  }
}
