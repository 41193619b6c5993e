/**
 * The OpenAPI 3.1 document of the API, written by hand next to the routes (a test checks that every
 * registered route is listed and that every listed path is served). Shapes are summarized; docs/api.md
 * has the full field lists.
 */

type Obj = Record<string, unknown>;

const ERROR = { $ref: '#/components/schemas/Error' };
const json = (schema: Obj, description: string): Obj => ({
  description,
  content: { 'application/json': { schema } },
});
const err = (description: string): Obj => json(ERROR, description);
const obj = (props: Record<string, Obj>): Obj => ({ type: 'object', properties: props });
const ref = (name: string): Obj => ({ $ref: `#/components/schemas/${name}` });
const list = (key: string, item: string): Obj => obj({ [key]: { type: 'array', items: ref(item) } });

const repoParam = { name: 'repo', in: 'path', required: true, schema: { type: 'string' } };
const stackParam = {
  name: 'stack',
  in: 'path',
  required: true,
  description: 'Stack path; may contain `/` (sent raw or as %2F). The repo root is `.`.',
  schema: { type: 'string' },
};
const idParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  description: 'Contains `:` (and `/` for jobs); raw or URL-encoded.',
  schema: { type: 'string' },
});
const limitParam = {
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
};
const triggerBody = {
  required: false,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { trigger: { type: 'string' }, commit: { type: 'string' }, actor: { type: 'string' } },
      },
    },
  },
};

const AUTH = {
  '401': err('Missing or unknown token (when auth is on)'),
  '403': err('Token lacks the scope'),
};
const READ = { ...AUTH, '404': err('Not found') };
const TRIGGER = {
  '202': json(ref('Started'), 'Task started'),
  '400': err('Invalid body or stack path'),
  ...READ,
  '409': json(ref('Conflict'), 'A scan of this repository is already in progress'),
  '413': err('Body too large'),
  '415': err('Unsupported content type'),
  '429': err('Rate limited'),
  '502': err('Repository could not be fetched'),
};

function op(summary: string, responses: Obj, extra: Obj = {}): Obj {
  return { summary, responses, ...extra };
}

function paths(withMetrics: boolean): Obj {
  const stack = [repoParam, stackParam];
  const p: Obj = {
    '/api/health': {
      get: op(
        'Health (never behind auth)',
        { '200': json(ref('Health'), 'Healthy'), '503': json(ref('Health'), 'Degraded') },
        { security: [] },
      ),
    },
    '/api/openapi.json': { get: op('This document', { '200': { description: 'OpenAPI 3.1' }, ...AUTH }) },
    '/api/events': {
      get: op('Server-Sent Events (Last-Event-ID resume)', {
        '200': { description: 'text/event-stream' },
        ...AUTH,
      }),
    },
    '/api/jobs/{jobID}': {
      get: op(
        'Job status and result summary',
        { '200': json(ref('Job'), 'Job'), ...READ },
        { parameters: [idParam('jobID')] },
      ),
    },
    '/api/tasks/{taskID}': {
      get: op(
        'Task status and progress',
        { '200': json(ref('Task'), 'Task'), ...READ },
        { parameters: [idParam('taskID')] },
      ),
    },
    '/api/tasks/{taskID}/cancel': {
      post: op(
        'Cancel a running task',
        {
          '200': json(obj({ task: ref('Task'), message: { type: 'string' } }), 'Canceled'),
          ...READ,
          '409': err('Task is not active'),
          '429': err('Rate limited'),
        },
        { parameters: [idParam('taskID')] },
      ),
    },
    '/api/repos': {
      get: op('Repositories with status counts', { '200': json(list('repos', 'Repo'), 'Repos'), ...AUTH }),
    },
    '/api/repos/{repo}': {
      get: op(
        'One repository with its stacks and recent tasks',
        { '200': json(ref('Repo'), 'Repo'), ...READ },
        { parameters: [repoParam] },
      ),
    },
    '/api/repos/{repo}/jobs': {
      get: op(
        'Recent jobs of a repository',
        { '200': json(list('jobs', 'Job'), 'Jobs'), ...READ },
        { parameters: [repoParam, limitParam] },
      ),
    },
    '/api/repos/{repo}/scan': {
      post: op('Scan all stacks of a repository', TRIGGER, {
        parameters: [repoParam],
        requestBody: triggerBody,
      }),
    },
    '/api/repos/{repo}/stacks': {
      get: op(
        'Stacks with their latest status',
        { '200': json(list('stacks', 'StackSummary'), 'Stacks'), ...READ },
        { parameters: [repoParam] },
      ),
    },
    '/api/repos/{repo}/stacks/{stack}': {
      get: op(
        'Latest DriftResult of a stack, with plan_url',
        { '200': json(ref('StackDetail'), 'Stack'), ...READ },
        { parameters: stack },
      ),
    },
    '/api/repos/{repo}/stacks/{stack}/plan': {
      get: op('Redacted plan text', { '200': { description: 'text/plain' }, ...READ }, { parameters: stack }),
    },
    '/api/repos/{repo}/stacks/{stack}/history': {
      get: op(
        'Run history, newest first',
        { '200': json(list('history', 'HistoryEntry'), 'History'), ...READ },
        { parameters: [...stack, limitParam] },
      ),
    },
    '/api/repos/{repo}/stacks/{stack}/scan': {
      post: op('Scan one stack', TRIGGER, { parameters: stack, requestBody: triggerBody }),
    },
  };
  if (withMetrics)
    p['/metrics'] = { get: op('Prometheus metrics', { '200': { description: 'text/plain' }, ...AUTH }) };
  return p;
}

const COUNTS = ['total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'];

function schemas(): Obj {
  const task = obj({
    id: { type: 'string' },
    repo_name: { type: 'string' },
    status: { enum: ['created', 'running', 'completed', 'failed', 'canceled'] },
    ...Object.fromEntries(COUNTS.map((c) => [c, { type: 'integer' }])),
  });
  return {
    Error: {
      type: 'object',
      required: ['error', 'code'],
      properties: { error: { type: 'string' }, code: { type: 'string' } },
    },
    Task: task,
    Started: obj({
      jobs: { type: 'array', items: { type: 'string' } },
      task: ref('Task'),
      message: { type: 'string' },
    }),
    Conflict: obj({ error: { type: 'string' }, code: { const: 'conflict' }, active_task: ref('Task') }),
    Job: obj({
      id: { type: 'string' },
      task_id: { type: 'string' },
      stack: { type: 'string' },
      status: { type: 'string' },
      result: { type: ['object', 'null'] },
    }),
    Repo: obj({
      name: { type: 'string' },
      counts: { type: 'object' },
      active_task: { oneOf: [ref('Task'), { type: 'null' }] },
    }),
    StackSummary: obj({ stack: { type: 'string' }, status: { enum: ['in_sync', 'drifted', 'error', null] } }),
    StackDetail: obj({
      stack: { type: 'string' },
      latest: { type: ['object', 'null'] },
      plan_url: { type: ['string', 'null'] },
    }),
    HistoryEntry: obj({
      task_id: { type: 'string' },
      status: { type: 'string' },
      finished_at: { type: 'string' },
    }),
    Health: obj({
      status: { enum: ['ok', 'degraded'] },
      mode: { type: 'string' },
      redis: { type: 'string' },
      version: { type: 'string' },
    }),
  };
}

export function buildOpenApiDocument(version: string, options: { metrics: boolean }): Obj {
  return {
    openapi: '3.1.0',
    info: { title: 'driftd API', version, description: 'See docs/api.md.' },
    security: [{ bearer: [] }],
    paths: paths(options.metrics),
    components: { schemas: schemas(), securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
