import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { HttpApiToken } from '../../../../src/adapters/http/auth.js';
import { buildHttpApp } from '../../../../src/adapters/http/build-http-app.js';
import { makeUiPlugin } from '../../../../src/adapters/http/ui/ui-plugin.js';
import { createViews } from '../../../../src/adapters/http/ui/views.js';
import type { RepoConfig } from '../../../../src/app/config/types.js';
import type { TaskId } from '../../../../src/domain/ids.js';
import { type Harness, type HarnessOptions, makeHarness } from '../../../support/app-harness.js';

export interface UiTestApp {
  readonly h: Harness;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The real embedded container (memory adapters, scripted plan runner, fake repo source, manual clock)
 * behind the API and the UI plugin, with templates that throw on any undefined value.
 */
export async function makeUiApp(
  options: {
    repos?: readonly RepoConfig[];
    tokens?: HttpApiToken[];
    startWorkers?: boolean;
    overrides?: HarnessOptions['overrides'];
  } = {},
): Promise<UiTestApp> {
  const h = await makeHarness({
    ...(options.repos && { repos: options.repos }),
    ...(options.overrides && { overrides: options.overrides }),
  });
  const { c } = h;
  const ui = makeUiPlugin({
    queries: c.queries,
    startTask: c.startTask,
    cancelTask: c.cancelTask,
    events: c.eventBus,
    views: createViews({ throwOnUndefined: true }),
    now: () => h.clock.now(),
    heartbeatMs: 50,
  });
  const app = buildHttpApp(
    {
      startTask: c.startTask,
      cancelTask: c.cancelTask,
      queries: c.queries,
      events: c.eventBus,
      logger: c.logger,
      apiConfig: { tokens: options.tokens ?? [], rateLimit: { max: 1000, windowMs: 60_000 } },
      version: 'test',
    },
    { ui },
  );
  await app.ready();
  if (options.startWorkers !== false) c.workerPool.start();
  return {
    h,
    app,
    async close() {
      await app.close();
      await h.cleanup();
    },
  };
}

/** Runs a scan to its end through the real use cases and returns the task id. */
export async function scan(h: Harness, repo: string, stack?: string): Promise<TaskId> {
  const r = await h.c.startTask({
    repo,
    trigger: { kind: 'api', actor: 'ci' },
    ...(stack !== undefined && { stack }),
  });
  if (r.kind !== 'started') throw new Error(`scan not started: ${r.kind}`);
  await h.waitFor(() => h.events.some((e) => e.type === 'task.finished' && e.taskId === r.task.id), 'scan');
  return r.task.id;
}

/** A browser-like session: keeps cookies, reads the form token from pages, posts forms. */
export class UiClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly app: FastifyInstance) {}

  private remember(res: LightMyRequestResponse): void {
    const raw = res.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(res);
    return res;
  }

  /** The CSRF token of the last page: GET `from` first to obtain it. */
  async token(from = '/'): Promise<string> {
    const res = await this.get(from);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!m) throw new Error(`no form token on ${from} (status ${res.statusCode})`);
    return m[1]!;
  }

  async post(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        origin: 'http://localhost:80',
        ...headers,
      },
      payload: new URLSearchParams(fields).toString(),
    });
    this.remember(res);
    return res;
  }
}
