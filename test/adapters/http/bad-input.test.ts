import { afterEach, describe, expect, it } from 'vitest';
import { DriftdError } from '../../../src/domain/errors.js';
import { makeTestApp, rawRequest, type TestApp } from './support.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

const JSON_HEADERS = { 'content-type': 'application/json' };

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string;
  readonly status: number;
  readonly code: string;
  /** Text the `error` message must contain (the reason). */
  readonly says?: string;
}

const INJECT_CASES: readonly Case[] = [
  {
    name: 'unknown repo (scan)',
    method: 'POST',
    url: '/api/repos/nope/scan',
    status: 404,
    code: 'repo_not_found',
  },
  { name: 'unknown repo (detail)', url: '/api/repos/nope', status: 404, code: 'repo_not_found' },
  { name: 'unknown repo (jobs)', url: '/api/repos/nope/jobs', status: 404, code: 'repo_not_found' },
  { name: 'unknown repo (stacks)', url: '/api/repos/nope/stacks', status: 404, code: 'repo_not_found' },
  {
    name: 'unknown repo (stack)',
    url: '/api/repos/nope/stacks/envs/prod',
    status: 404,
    code: 'repo_not_found',
  },
  {
    name: 'unknown stack (scan)',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/envs/nope/scan',
    status: 404,
    code: 'stack_not_found',
  },
  {
    name: 'unknown stack (detail)',
    url: '/api/repos/my-infra/stacks/envs/nope',
    status: 404,
    code: 'stack_not_found',
  },
  {
    name: 'unknown stack (plan)',
    url: '/api/repos/my-infra/stacks/nope/plan',
    status: 404,
    code: 'stack_not_found',
  },
  {
    name: 'unknown stack (history)',
    url: '/api/repos/my-infra/stacks/nope/history',
    status: 404,
    code: 'stack_not_found',
  },
  { name: 'unknown task', url: '/api/tasks/my-infra:1', status: 404, code: 'task_not_found' },
  {
    name: 'unknown task (cancel)',
    method: 'POST',
    url: '/api/tasks/my-infra:1/cancel',
    status: 404,
    code: 'task_not_found',
  },
  { name: 'unknown job', url: '/api/jobs/my-infra:envs/prod:1', status: 404, code: 'job_not_found' },
  { name: 'unknown route', url: '/api/nothing', status: 404, code: 'not_found' },
  {
    name: 'unknown task action',
    method: 'POST',
    url: '/api/tasks/my-infra:1/explode',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'invalid JSON, with the reason',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: '{"trigger": ',
    status: 400,
    code: 'invalid_json',
    says: 'Body is not valid JSON: ',
  },
  {
    name: 'prototype poisoning',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: '{"__proto__": {"admin": true}}',
    status: 400,
    code: 'invalid_json',
    says: '__proto__',
  },
  {
    name: 'wrong content type (text/plain)',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: { 'content-type': 'text/plain' },
    payload: 'scan please',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'wrong content type (form)',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'trigger=x',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'oversized body',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: JSON.stringify({ actor: 'x'.repeat(70 * 1024) }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'unknown body key',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: '{"trigger":"post-apply","branch":"main"}',
    status: 400,
    code: 'invalid_body',
    says: 'Unrecognized key: "branch"',
  },
  {
    name: 'trigger not a slug',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: '{"trigger":"post apply; rm -rf"}',
    status: 400,
    code: 'invalid_body',
    says: 'body.trigger',
  },
  {
    name: 'body not an object',
    method: 'POST',
    url: '/api/repos/my-infra/scan',
    headers: JSON_HEADERS,
    payload: '["post-apply"]',
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'NUL in the stack (%00)',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/envs/prod%00/scan',
    status: 400,
    code: 'invalid_path',
    says: 'NUL',
  },
  {
    name: 'encoded traversal (%2F..)',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/envs%2F..%2F..%2Fetc/scan',
    status: 400,
    code: 'invalid_path',
    says: '".."',
  },
  {
    name: 'backslash (%5C)',
    url: '/api/repos/my-infra/stacks/envs%5C..%5Cprod',
    status: 400,
    code: 'invalid_path',
  },
  { name: 'empty segment', url: '/api/repos/my-infra/stacks/envs//prod', status: 400, code: 'invalid_path' },
  {
    name: 'control character',
    url: '/api/repos/my-infra/stacks/envs%0Aprod',
    status: 400,
    code: 'invalid_path',
  },
  {
    name: 'bad percent-encoding',
    url: '/api/repos/my-infra/stacks/%E0%A4%A/plan',
    status: 400,
    code: 'invalid_path',
  },
  { name: 'control character in an id', url: '/api/tasks/my-infra%0A:1', status: 400, code: 'invalid_id' },
  { name: 'limit out of range', url: '/api/repos/my-infra/jobs?limit=0', status: 400, code: 'invalid_query' },
  {
    name: 'limit not a number',
    url: '/api/repos/my-infra/jobs?limit=ten',
    status: 400,
    code: 'invalid_query',
  },
];

/** Cases a client library would "fix" before sending (dot segments): sent byte for byte over a socket. */
const RAW_CASES: readonly Case[] = [
  {
    name: 'raw ..',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/../scan',
    status: 400,
    code: 'invalid_path',
  },
  {
    name: 'raw envs/../..',
    url: '/api/repos/my-infra/stacks/envs/../../plan',
    status: 400,
    code: 'invalid_path',
  },
  {
    name: '%2e%2e',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/%2e%2e/scan',
    status: 400,
    code: 'invalid_path',
  },
  {
    name: '%2E%2E nested',
    url: '/api/repos/my-infra/stacks/envs/%2E%2E/%2E%2E/history',
    status: 400,
    code: 'invalid_path',
  },
  {
    name: '.%2e',
    method: 'POST',
    url: '/api/repos/my-infra/stacks/.%2e/scan',
    status: 400,
    code: 'invalid_path',
  },
];

function expectErrorBody(body: Record<string, unknown>, c: Case): void {
  expect(body.code, c.name).toBe(c.code);
  expect(typeof body.error).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d/);
  if (c.says) expect(body.error).toContain(c.says);
}

describe('bad input: each case gets its status and stable code, never a stack trace', () => {
  it.each(INJECT_CASES)('$name → $status $code', async (c) => {
    t = makeTestApp();
    const res = await t.app.inject({
      method: c.method ?? 'GET',
      url: c.url,
      ...(c.headers && { headers: c.headers }),
      ...(c.payload !== undefined && { payload: c.payload }),
    });
    expect(res.statusCode, c.name).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectErrorBody(res.json(), c);
  });

  it.each(RAW_CASES)('$name (raw socket) → $status $code', async (c) => {
    t = makeTestApp();
    const res = await rawRequest(t.app, c.method ?? 'GET', c.url);
    expect(res.status, c.name).toBe(c.status);
    expectErrorBody(JSON.parse(res.body), c);
    expect(t.fake.tasks.size).toBe(0);
  });
});

describe('failures inside use cases', () => {
  it('an unexpected error is a 500 `internal` with a generic message (no detail, no stack)', async () => {
    t = makeTestApp({
      startTask: async () => {
        throw new Error('ECONNRESET at redis://:hunter2@10.0.0.1');
      },
    });
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'Internal server error', code: 'internal' });
  });

  it('an unavailable backing store is a 503 `unavailable`', async () => {
    t = makeTestApp({
      startTask: async () => {
        throw new DriftdError('DRIFTD_ADAPTER_UNAVAILABLE', 'redis is down');
      },
    });
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('unavailable');
  });

  it('a repo that cannot be fetched is a 502 `repo_unavailable` with the redacted message', async () => {
    t = makeTestApp({
      startTask: async () => ({ kind: 'repo_unavailable', message: 'git fetch failed: auth' }),
    });
    const res = await t.app.inject({ method: 'POST', url: '/api/repos/my-infra/scan' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'git fetch failed: auth', code: 'repo_unavailable' });
  });
});
