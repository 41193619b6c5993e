import { asValue } from 'awilix';
import { afterEach, describe, expect, it } from 'vitest';
import { DriftdError } from '../../../../src/domain/errors.js';
import { drifted, inSync, planFailed } from '../../../support/scripted-plan-runner.js';
import { testRepo } from '../../../support/test-config.js';
import { makeUiApp, scan, type UiTestApp } from './ui-support.js';

const STACKS = ['envs/prod', 'envs/staging', '.', 'odd stack/ü %x'];
const ODD_URL = '/repos/infra/stacks/odd%20stack/%C3%BC%20%25x';
const infra = () => testRepo('infra', { stacks: STACKS, schedule: '0 */6 * * *' });

let t: UiTestApp;
afterEach(async () => {
  await t?.close();
});

async function setup(options: Parameters<typeof makeUiApp>[0] = {}) {
  t = await makeUiApp({ repos: [infra()], ...options });
  t.h.repoSource.setRepo('infra', { commit: 'c0ffee0012345678', stacks: STACKS });
  return t;
}

async function get(url: string) {
  const res = await t.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

/** The text of the `<main>` element without tags, whitespace collapsed. */
function mainText(html: string): string {
  const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
  return main
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('dashboard', () => {
  it('with no repos configured says to add repos: and run driftd validate', async () => {
    await setup({ repos: [] });
    const { status, body, headers } = await get('/');
    expect(status).toBe(200);
    expect(headers['content-type']).toContain('text/html');
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(body).toContain('No repositories configured');
    expect(body).toContain('<code>repos:</code>');
    expect(body).toContain('driftd validate');
    expect(body).not.toContain('<table class="grid repos">');
  });

  it('before any scan shows every repo with no results and a Scan now button', async () => {
    await setup();
    const { body } = await get('/');
    const text = mainText(body);
    expect(text).toContain('No results yet');
    expect(text).toContain('No drift: 4 stacks in 1 repository');
    expect(body).toContain('<a href="/repos/infra">infra</a>');
    expect(body).toMatch(/<form class="inline" method="post" action="\/repos\/infra\/scan" data-async>/);
    expect(body).toContain('>Scan now</button>');
    expect(body).toContain('<code>0 */6 * * *</code>');
    expect(text).toContain('never');
    // Counts: icon + number + words for screen readers, never colour alone.
    expect(body).toContain('4<span class="sr"> no result</span>');
  });

  it('after a scan: headline, counts, last scan and trigger, chart', async () => {
    await setup();
    t.h.runner.script('envs/prod', { outcome: drifted() });
    t.h.runner.script('envs/staging', { outcome: planFailed('Error: boom') });
    await scan(t.h, 'infra');
    const { body } = await get('/');
    const text = mainText(body);
    expect(text).toContain('1 stack drifted of 4 stacks in 1 repository');
    expect(body).toContain('1<span class="sr"> drifted</span>');
    expect(body).toContain('1<span class="sr"> error</span>');
    expect(body).toContain('2<span class="sr"> in sync</span>');
    expect(text).toMatch(/just now by api/);
    expect(body).toContain('<svg class="chart"');
    expect(body).toMatch(/<rect class="bar" [^>]*><title>\d{4}-\d\d-\d\d: 1 drifted<\/title>/);
  });

  it('shows a running task as a progress bar with aria values and a Cancel button', async () => {
    await setup();
    t.h.runner.script('envs/prod', { hold: true });
    const started = await t.h.c.startTask({ repo: 'infra', trigger: { kind: 'ui' } });
    if (started.kind !== 'started') throw new Error(started.kind);
    await t.h.waitFor(
      async () => (await t.h.c.queries.getTask(started.task.id))?.counters.completed === 3,
      '3 done',
    );
    for (const url of ['/', '/repos/infra', '/ui/fragments/repos/infra']) {
      const { body } = await get(url);
      expect(body).toMatch(
        /role="progressbar" aria-label="Scan of infra" aria-valuemin="0" aria-valuemax="4" aria-valuenow="3"/,
      );
      expect(body).toContain('3 of 4 done · 0 drifted · 0 failed');
      expect(body).toContain(`data-task-progress="${started.task.id}"`);
      expect(body).toContain(`action="/tasks/${encodeURIComponent(started.task.id)}/cancel"`);
      expect(body).not.toContain('>Scan now</button>');
    }
    t.h.runner.release('envs/prod', inSync());
  });

  it('a repo whose clone fails shows the redacted git error', async () => {
    await setup();
    t.h.repoSource.failResolve(
      'infra',
      new DriftdError(
        'DRIFTD_REPO_FETCH_FAILED',
        'git ls-remote failed: Authentication failed for https://git.example.com/o/infra.git',
      ),
    );
    expect((await t.h.c.startTask({ repo: 'infra', trigger: { kind: 'ui' } })).kind).toBe('repo_unavailable');
    const repo = await get('/repos/infra');
    expect(repo.body).toContain('The repository could not be fetched');
    expect(repo.body).toContain('Authentication failed for https://git.example.com/o/infra.git');
    expect((await get('/')).body).toContain('Git error');
  });
});

describe('repo page', () => {
  it('lists stacks with badge, kind, counts, tool, last run and a Scan button; recent tasks with trigger, commit, actor', async () => {
    await setup();
    t.h.runner.script('envs/prod', { outcome: drifted() });
    await scan(t.h, 'infra');
    const { status, body } = await get('/repos/infra');
    expect(status).toBe(200);
    const row = body.slice(
      body.indexOf('data-stack="envs/prod"'),
      body.indexOf('</tr>', body.indexOf('data-stack="envs/prod"')),
    );
    expect(row).toContain('<span class="badge-icon" aria-hidden="true">▲</span>Drifted');
    expect(row).toContain('Changed outside Terraform');
    expect(row).toContain('+0</span> <span class="d-chg">~0</span> <span class="d-del">-0');
    expect(row).toContain('terraform 1.7.5');
    expect(row).toContain('just now</time>');
    expect(row).toContain('action="/repos/infra/stacks/envs/prod/scan"');
    const text = mainText(body);
    const tasks = text.slice(text.indexOf('Recent scans'));
    expect(tasks).toContain('Completed');
    expect(tasks).toContain('api by ci');
    expect(tasks).toContain('c0ffee0');
    expect(tasks).toContain('4 of 4 done, 1 drifted, 0 failed');
  });

  it('links the root stack and stacks with odd characters with the API encoding', async () => {
    await setup();
    const { body } = await get('/repos/infra');
    expect(body).toContain('<a href="/repos/infra/stacks/">. (repository root)</a>');
    expect(body).toContain('action="/repos/infra/stacks/scan"');
    expect(body).toContain(`<a href="${ODD_URL}">odd stack/ü %x</a>`);
    expect(body).toContain(`action="${ODD_URL}/scan"`);
  });

  it('unknown repo is a 404 page that says how to configure it', async () => {
    await setup();
    const { status, body } = await get('/repos/nope');
    expect(status).toBe(404);
    expect(body).toContain('Repository &quot;nope&quot; is not configured');
    expect(body).toContain('`repos:`');
    expect(body).toContain('Back to the dashboard');
  });

  it('says when terraform could not be found and points at the tools config', async () => {
    const missing = {
      resolve: async () => ({
        ok: false as const,
        error: {
          kind: 'config_error' as const,
          message: 'default asks for the terraform on PATH, but there is none',
        },
      }),
    };
    await setup({ overrides: { toolResolver: asValue(missing) } });
    await scan(t.h, 'infra', 'envs/prod');
    const repo = await get('/repos/infra');
    expect(repo.body).toContain('Terraform was not found.');
    expect(repo.body).toContain('<code>tools:</code>');
    const stack = await get('/repos/infra/stacks/envs/prod');
    expect(stack.body).toContain('but there is none');
    expect(stack.body).toContain('set `tools:` in the config');
  });
});

describe('stack page', () => {
  it('drifted: verdict and why, changed resources and attributes, coloured plan, commit, history', async () => {
    await setup();
    const plan = [
      'Terraform will perform the following actions:',
      '  # null_resource.a will be updated in-place',
      '  ~ resource "null_resource" "a" {',
      '      ~ tags = { "env" = "prod" -> "manual" }',
      '    }',
      'Plan: 0 to add, 1 to change, 0 to destroy.',
    ].join('\n');
    t.h.runner.script('envs/prod', { outcome: drifted(plan) });
    await scan(t.h, 'infra', 'envs/prod');
    const { status, body } = await get('/repos/infra/stacks/envs/prod');
    expect(status).toBe(200);
    const text = mainText(body);
    expect(text).toContain('Drifted: changed outside Terraform');
    expect(text).toContain('1 resource changed outside Terraform (drift).');
    expect(text).toContain('Drift appeared');
    expect(body).toContain('<code class="addr">null_resource.a</code>');
    expect(body).toContain('Changed attributes: <code>tags.env</code>');
    expect(body).toContain('<code title="c0ffee0012345678">c0ffee0</code>');
    expect(body).toContain(
      '<span class="pl-chg">  <span class="pm">~</span> resource &quot;null_resource&quot; &quot;a&quot; {</span>',
    );
    expect(body).toContain('<span class="pl-cmt">  # null_resource.a will be updated in-place</span>');
    expect(text).toContain('api by ci');
  });

  it('renders a plan containing <script> inert', async () => {
    await setup();
    t.h.runner.script('envs/prod', {
      outcome: drifted(
        '  + x = "<script>alert(1)</script>"\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>',
      ),
    });
    await scan(t.h, 'infra', 'envs/prod');
    const { body } = await get('/repos/infra/stacks/envs/prod');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).not.toContain('<script>alert(1)');
    expect(body).not.toContain('<img src=x');
    // The only script tag on the page is the app's own.
    expect(body.match(/<script/g)).toHaveLength(1);
  });

  it('error: the message and the diagnostics', async () => {
    await setup();
    const failure = [
      '╷',
      '│ Error: Unsupported argument',
      '│ ',
      '│   on main.tf line 3, in resource "null_resource" "a":',
      '│    3:   bogus = true',
      '│ ',
      '│ An argument named "bogus" is not expected here.',
      '╵',
    ].join('\n');
    t.h.runner.script('envs/staging', { outcome: planFailed(failure) });
    await scan(t.h, 'infra', 'envs/staging');
    const { body } = await get('/repos/infra/stacks/envs/staging');
    const text = mainText(body);
    expect(text).toContain('The plan failed');
    expect(text).toContain('Unsupported argument');
    expect(body).toContain('<span class="badge-icon" aria-hidden="true">✕</span>Error');
    expect(body).toContain('<span class="pl-err">│ Error: Unsupported argument</span>');
  });

  it('history shows when drift appeared and when it was resolved', async () => {
    await setup();
    t.h.runner.script('envs/prod', { outcome: inSync() }, { outcome: drifted() }, { outcome: inSync() });
    await scan(t.h, 'infra', 'envs/prod');
    t.h.clock.advance(3 * 3600_000);
    await scan(t.h, 'infra', 'envs/prod');
    t.h.clock.advance(2 * 3600_000);
    await scan(t.h, 'infra', 'envs/prod');
    const text = mainText((await get('/repos/infra/stacks/envs/prod')).body);
    const history = text.slice(text.indexOf('History'));
    expect(history).toMatch(
      /just now ✓ In sync Drift resolved .* 2 h ago ▲ Drifted Drift appeared .* 5 h ago ✓ In sync/,
    );
    expect(text).toContain('Drift resolved just now');
  });

  it('the root stack and a stack with spaces, % and unicode have pages', async () => {
    await setup();
    await scan(t.h, 'infra');
    const root = await get('/repos/infra/stacks/');
    expect(root.status).toBe(200);
    expect(root.body).toContain('. (repository root)');
    expect(root.body).toContain('action="/repos/infra/stacks/scan"');
    const odd = await get(ODD_URL);
    expect(odd.status).toBe(200);
    expect(odd.body).toContain('<h1 class="headline"><span class="sr">Stack </span>odd stack/ü %x</h1>');
    expect(mainText(odd.body)).toContain('In sync');
  });

  it('no result yet tells the user to scan', async () => {
    await setup();
    const { status, body } = await get('/repos/infra/stacks/envs/prod');
    expect(status).toBe(200);
    expect(mainText(body)).toContain('No result yet');
    expect(mainText(body)).toContain('press Scan');
  });

  it('unknown stacks, unknown repos and unsafe paths are error pages that say what to do', async () => {
    await setup();
    const stack = await get('/repos/infra/stacks/envs/nope');
    expect(stack.status).toBe(404);
    expect(stack.body).toContain('Stack &quot;envs/nope&quot; not found in repository &quot;infra&quot;');
    expect(stack.body).toContain('What to do');
    const repo = await get('/repos/nope/stacks/envs/prod');
    expect(repo.status).toBe(404);
    expect(repo.body).toContain('Repository &quot;nope&quot; is not configured');
    const bad = await get('/repos/infra/stacks/a%00b');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('text/html');
    const fragment = await get('/ui/fragments/repos/infra/stacks/envs/nope');
    expect(fragment.status).toBe(404);
    expect(JSON.parse(fragment.body).error).toContain('not found');
  });
});

describe('fragments and static files', () => {
  it('serves one row per fragment, rendered by the same partial as the page', async () => {
    await setup();
    await scan(t.h, 'infra');
    const row = await get('/ui/fragments/repos/infra/stacks/envs/prod');
    expect(row.body.trim()).toMatch(/^<tr data-repo="infra" data-stack="envs\/prod"[\s\S]*<\/tr>$/);
    const page = await get('/repos/infra');
    expect(page.body).toContain(row.body.trim().split('\n')[1]!);
    const tasks = await get('/ui/fragments/repos/infra/tasks');
    expect(tasks.body).toContain('Recent scans');
    expect((await get('/ui/fragments/repos/infra/bogus')).status).toBe(404);
  });

  it('serves CSS and JS with a content hash, long cache headers and ETags', async () => {
    await setup();
    const page = await get('/');
    const css = /href="(\/static\/app\.css\?v=[0-9a-f]{12})"/.exec(page.body)![1]!;
    const js = /src="(\/static\/app\.js\?v=[0-9a-f]{12})"/.exec(page.body)![1]!;
    const cssRes = await get(css);
    expect(cssRes.status).toBe(200);
    expect(cssRes.headers['content-type']).toContain('text/css');
    expect(cssRes.headers['cache-control']).toContain('immutable');
    expect(cssRes.headers['set-cookie']).toBeUndefined();
    expect(cssRes.body).toContain('prefers-color-scheme: dark');
    const jsRes = await get(js);
    expect(jsRes.headers['content-type']).toContain('text/javascript');
    const etag = jsRes.headers.etag as string;
    const again = await t.app.inject({ method: 'GET', url: js, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect((await get('/static/nope.js')).status).toBe(404);
  });
});
