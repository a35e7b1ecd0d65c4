/** A real lifeboat API on a random loopback port, on the run's real Redis, under a random prefix. */
import type { Redis } from 'ioredis';
import type { Router } from 'express';
import { createApp } from '../../src/api/app.js';
import { TokenBook, type Principal } from '../../src/api/auth.js';
import { listen } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { KindRegistry } from '../../src/store/kind-registry.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { ResourceService } from '../../src/store/resource-service.js';
import { dropPrefix, newRedis, randomPrefix } from './redis.js';

export interface TestServer {
  url: string;
  redis: Redis;
  prefix: string;
  store: RedisStore;
  resources: ResourceService;
  metrics: Metrics;
  close(): Promise<void>;
}

export const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
} as const;

export async function startTestServer(
  opts: { open?: boolean; routers?: (s: Omit<TestServer, 'url' | 'close'>) => Router[] } = {},
): Promise<TestServer> {
  const redis = newRedis();
  const prefix = randomPrefix('api');
  const store = new RedisStore(redis, prefix);
  const resources = new ResourceService(store);
  const metrics = createMetrics({ defaults: false });
  const tokens: (Principal & { token: string })[] = opts.open
    ? []
    : (Object.entries(TOKENS) as [Principal['role'], string][]).map(([role, token]) => ({
        name: role,
        role,
        token,
      }));
  const base = { redis, prefix, store, resources, metrics };
  const app = createApp({
    redis,
    resources,
    kinds: new KindRegistry(store),
    tokens: new TokenBook(tokens),
    metrics,
    logger: createLogger({ level: 'silent' }),
    routers: opts.routers?.(base) ?? [],
  });
  const l = await listen(app, '127.0.0.1', 0);
  return {
    ...base,
    url: l.url,
    close: async () => {
      await l.close();
      await dropPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** fetch with the admin token (or another), returning status and parsed body. */
export async function call(
  server: { url: string },
  method: string,
  path: string,
  opts: { body?: string; type?: string; token?: string | null; accept?: string } = {},
): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKENS.admin : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(`${server.url}${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
