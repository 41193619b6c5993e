import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/adapters/http/build-http-app.js';
import { makeUiPlugin } from '../../src/adapters/http/ui/ui-plugin.js';
import { DriftdError } from '../../src/domain/errors.js';
import type { PlanOutcome } from '../../src/ports/plan-runner.port.js';
import { type Harness, makeHarness } from '../support/app-harness.js';
import { drifted, inSync, planFailed, type Step } from '../support/scripted-plan-runner.js';
import { sharedFixturesDir } from '../support/terraform-fixtures.js';
import { testRepo } from '../support/test-config.js';

/** A real drift-plus-code-change plan from the fixtures (Terraform 1.5.7), or the built-in one without them. */
function realDriftPlan(): PlanOutcome {
  const dir = path.join(sharedFixturesDir, '11-tf1.5-drift-plus-code-change');
  if (!existsSync(dir)) return drifted();
  return {
    kind: 'planned',
    exitCode: 2,
    planJson: readFileSync(path.join(dir, 'plan.json'), 'utf8'),
    planText: readFileSync(path.join(dir, 'plan'), 'utf8'),
  };
}

const INIT_ERROR = [
  '╷',
  '│ Error: Invalid provider configuration',
  '│ ',
  '│   on providers.tf line 4, in provider "aws":',
  '│    4:   region = var.aws_region',
  '│ ',
  '│ The argument "region" is required, but no definition was found.',
  '╵',
].join('\n');

export const PLATFORM_STACKS = ['envs/prod', 'envs/staging', 'envs/dev', 'network/core', 'dns', '.'];
export const LIVE_DELAY_MS = 300;

export interface UiWorld {
  readonly h: Harness;
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  close(): Promise<void>;
}

const day = 86_400_000;
const step = (outcome: PlanOutcome, delayMs = 0): Step => ({ outcome, delayMs });

/** Three seeded scans a day apart (so the chart has a story), then live scans that take LIVE_DELAY_MS per stack. */
function scriptPlatform(h: Harness): void {
  const drift = realDriftPlan();
  const live = (o: PlanOutcome) => step(o, LIVE_DELAY_MS);
  h.runner.script('envs/prod', step(inSync()), step(drift), step(drift), live(drift));
  h.runner.script('network/core', step(inSync()), step(inSync()), step(drift), live(drift));
  h.runner.script(
    'dns',
    step(inSync()),
    step(inSync()),
    step(planFailed(INIT_ERROR)),
    live(planFailed(INIT_ERROR)),
  );
  for (const s of ['envs/staging', 'envs/dev', '.'])
    h.runner.script(s, step(inSync()), step(inSync()), step(inSync()), live(inSync()));
  h.runner.script('pipelines/ingest', step(inSync()), step(drifted()), step(inSync()));
}

async function scan(h: Harness, repo: string): Promise<void> {
  const r = await h.c.startTask({ repo, trigger: { kind: 'schedule' } });
  if (r.kind !== 'started') throw new Error(`seed scan of ${repo}: ${r.kind}`);
  await h.waitFor(
    () => h.events.some((e) => e.type === 'task.finished' && e.taskId === r.task.id),
    'seed scan',
  );
}

/**
 * The app as `driftd serve` embeds it (API + UI over the embedded container, scripted plans, a fake repo
 * source), listening on 127.0.0.1 with a few days of history.
 */
export async function startUiWorld(): Promise<UiWorld> {
  const h = await makeHarness({
    repos: [
      testRepo('platform-infra', {
        schedule: '0 */6 * * *',
        url: 'https://github.com/acme/platform-infra.git',
      }),
      testRepo('data-pipelines', {
        schedule: '30 2 * * *',
        url: 'https://github.com/acme/data-pipelines.git',
      }),
      testRepo('edge', { url: 'https://github.com/acme/edge.git' }),
    ],
    worker: { concurrency: 2 },
  });
  h.clock.set(Date.UTC(2025, 2, 10, 9, 0));
  h.repoSource.setRepo('platform-infra', { commit: '9f3c2a1b7d', stacks: PLATFORM_STACKS });
  h.repoSource.setRepo('data-pipelines', { commit: '4e5d6c7b8a', stacks: ['pipelines/ingest'] });
  h.repoSource.failResolve(
    'edge',
    new DriftdError(
      'DRIFTD_REPO_FETCH_FAILED',
      'git fetch failed: remote: Repository not found (https://github.com/acme/edge.git)',
    ),
  );
  scriptPlatform(h);
  h.c.workerPool.start();
  for (let i = 0; i < 3; i++) {
    await scan(h, 'platform-infra');
    await scan(h, 'data-pipelines');
    h.clock.advance(day);
  }
  await h.c.startTask({ repo: 'edge', trigger: { kind: 'schedule' } });
  h.clock.advance(2 * 3600_000);

  const { c } = h;
  const deps = { queries: c.queries, startTask: c.startTask, cancelTask: c.cancelTask, events: c.eventBus };
  const app = buildHttpApp(
    {
      ...deps,
      logger: c.logger,
      apiConfig: { tokens: [], rateLimit: { max: 1000, windowMs: 60_000 } },
      version: 'browser-test',
    },
    { ui: makeUiPlugin({ ...deps, now: () => h.clock.now(), heartbeatMs: 1000 }) },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    h,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await h.cleanup();
    },
  };
}
