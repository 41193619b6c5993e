import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, rawRequest, type TestApp } from './support.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

describe('stack paths: nesting, odd characters, the root stack, action-named stacks', () => {
  const scanOf = async (url: string) => {
    const res = await t.app.inject({ method: 'POST', url });
    return { status: res.statusCode, stack: res.json().task?.stack, code: res.json().code };
  };

  it.each([
    ['/api/repos/my-infra/stacks/envs/prod/scan', 'envs/prod'],
    ['/api/repos/my-infra/stacks/envs%2Fprod/scan', 'envs/prod'],
    ['/api/repos/my-infra/stacks/envs/prod/scan?x=1', 'envs/prod'],
    ['/api/repos/my-infra/stacks/odd%20stack/%C3%BC%3Ax/scan', 'odd stack/ü:x'],
    ['/api/repos/my-infra/stacks/odd%20stack%2F%C3%BC:x/scan', 'odd stack/ü:x'],
    ['/api/repos/my-infra/stacks/./scan', '.'],
    ['/api/repos/my-infra/stacks/scan', '.'],
    ['/api/repos/my-infra/stacks/scan/scan', 'scan'],
  ])('POST %s scans %s', async (url, stack) => {
    t = makeTestApp();
    expect(await scanOf(url)).toEqual({ status: 202, stack, code: undefined });
  });

  it('the root stack over a raw socket: `.` and `%2E` as sent', async () => {
    for (const path of ['/api/repos/my-infra/stacks/./scan', '/api/repos/my-infra/stacks/%2E/scan']) {
      t = makeTestApp();
      const res = await rawRequest(t.app, 'POST', path);
      expect(res.status, path).toBe(202);
      expect(JSON.parse(res.body).task.stack).toBe('.');
      await t.app.close();
    }
  });

  it('GET .../envs/plan is the plan of `envs`; .../envs%2Fplan is the stack `envs/plan`', async () => {
    t = makeTestApp();
    const asAction = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs/plan' });
    expect(asAction.statusCode).toBe(404);
    expect(asAction.json().code).toBe('stack_not_found');
    const asStack = await t.app.inject({ url: '/api/repos/my-infra/stacks/envs%2Fplan' });
    expect(asStack.statusCode).toBe(200);
    expect(asStack.json().stack).toBe('envs/plan');
  });

  it('POST to a stack URL without /scan is a 404 not_found route', async () => {
    t = makeTestApp();
    expect(await scanOf('/api/repos/my-infra/stacks/envs/prod')).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('long stack paths (near the 1024-character limit, percent-encoded) still reach the route', async () => {
    t = makeTestApp();
    const stack = Array.from({ length: 80 }, (_, i) => `dir-üü${i}`).join('/');
    const url = `/api/repos/my-infra/stacks/${stack.split('/').map(encodeURIComponent).join('/')}/history`;
    expect(url.length).toBeGreaterThan(1400);
    expect(stack.length).toBeLessThan(1024);
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('stack_not_found');
  });
});
