/**
 * Embedding driftd in a host application: run one scan of a repo with the host's own PlanRunner, react to
 * job events, print the verdicts, shut down cleanly.
 *
 * Run: `node --import tsx examples/embed.ts` (a host app would import from '@driftd/core' instead).
 *
 * The repo is a plain local directory with two stacks, copied to a per-job work dir by driftd's own
 * RepoSource. The PlanRunner here answers with canned `show -json` documents instead of running
 * terraform: `app` has a resource whose tags were changed outside Terraform (drifted), `network` is in sync.
 * Everything else (classification, the task and job lifecycle, the results) is driftd's.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  createDriftd,
  MemoryResultStore,
  type PlanOutcome,
  type PlanRequest,
  type PlanRunner,
  SystemClock,
  type ToolResolver,
} from '../src/index.js';

const BUCKET = { address: 'aws_s3_bucket.logs', mode: 'managed', type: 'aws_s3_bucket', name: 'logs' };
const TAGS = { tags: { env: 'prod' } };

/**
 * A `show -json` document. Drifted: someone edited the bucket's tags by hand (`resource_drift`), and the
 * plan would put them back (`update`). In sync: nothing to change (`no-op`).
 */
function planDocument(drifted: boolean): string {
  const edited = { tags: { env: 'edited-by-hand' } };
  return JSON.stringify({
    format_version: '1.2',
    terraform_version: '1.9.0',
    ...(drifted && {
      resource_drift: [{ ...BUCKET, change: { actions: ['update'], before: TAGS, after: edited } }],
    }),
    resource_changes: [
      {
        ...BUCKET,
        change: { actions: [drifted ? 'update' : 'no-op'], before: drifted ? edited : TAGS, after: TAGS },
      },
    ],
  });
}

/** The host's plan runner: canned plans per stack directory name. */
class CannedPlanRunner implements PlanRunner {
  async run(request: PlanRequest): Promise<PlanOutcome> {
    const drifted = basename(request.stackDir) === 'app';
    return {
      kind: 'planned',
      exitCode: drifted ? 2 : 0,
      planJson: planDocument(drifted),
      planText: drifted ? '~ aws_s3_bucket.logs: tags will be updated in-place' : 'No changes.',
    };
  }
}

/** No binaries needed: the canned runner ignores the tool. */
const anyTool: ToolResolver = {
  async resolve(request) {
    const main = { name: request.tool, version: '1.9.0', path: '/bin/true', source: 'default' };
    return { ok: true, tool: { main } };
  },
};

async function makeRepo(root: string): Promise<string> {
  const repo = join(root, 'infra');
  for (const stack of ['app', 'network']) {
    await mkdir(join(repo, 'stacks', stack), { recursive: true });
    await writeFile(join(repo, 'stacks', stack, 'main.tf'), 'resource "aws_s3_bucket" "logs" {}\n');
  }
  return repo;
}

async function main(): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'driftd-embed-'));
  const driftd = await createDriftd({
    config: {
      data_dir: join(root, 'data'),
      tools: { cache_dir: join(root, 'cache'), install: false, switchers: false },
      worker: { concurrency: 2 },
      repos: [{ name: 'infra', url: await makeRepo(root) }],
    },
    adapters: {
      planRunner: new CannedPlanRunner(),
      toolResolver: anyTool,
      resultStore: new MemoryResultStore(new SystemClock()),
    },
  });
  driftd.events.on('job.completed', (e) => {
    console.log(
      `job.completed ${e.stack}: ${e.status}${e.kinds.length > 0 ? ` (${e.kinds.join(', ')})` : ''}`,
    );
  });
  try {
    driftd.start();
    const started = await driftd.startTask({ repo: 'infra', trigger: { kind: 'library', actor: 'embed' } });
    if (started.kind !== 'started') throw new Error(`scan did not start: ${started.kind}`);
    console.log(`task ${started.task.id} started with ${started.jobs.length} stacks`);
    const waited = await driftd.waitForTask(started.task.id, { timeoutMs: 30_000 });
    if (waited.kind !== 'finished') throw new Error(`scan did not finish: ${waited.kind}`);
    const { status, counters } = waited.task;
    console.log(
      `task ${status}: ${counters.completed}/${counters.total} stacks, ${counters.drifted} drifted`,
    );
    for (const stack of (await driftd.listStacks('infra')) ?? []) {
      console.log(`verdict ${stack.stack}: ${stack.status}`);
    }
    return status === 'completed' ? 0 : 1;
  } finally {
    await driftd.close();
    await rm(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
