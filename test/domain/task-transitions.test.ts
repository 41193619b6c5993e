import { describe, expect, it } from 'vitest';
import { type CounterDelta, emptyCounters } from '../../src/domain/counters.js';
import {
  applyJobDelta,
  cancelTask,
  createTask,
  failTask,
  finishTaskIfDone,
  isActiveTask,
  isTaskExpired,
  startTask,
  TASK_STATUSES,
  TASK_TRANSITIONS,
  type Task,
  type TaskStatus,
} from '../../src/domain/task.js';
import type { Transition } from '../../src/domain/transition.js';
import { deepFreeze, must, REPO, T0, TASK_ID } from './state-fixtures.js';

const NOW = T0 + 100;
const ZERO: CounterDelta = { queued: 0, running: 0, completed: 0, failed: 0, drifted: 0, errored: 0 };

function newTask(total = 2): Task {
  return createTask({ id: TASK_ID, repo: REPO, trigger: { kind: 'api' }, total }, T0);
}

/** A task in `status`, reached only through the domain's own transitions. */
function taskIn(status: TaskStatus): Task {
  const created = newTask();
  if (status === 'created') return deepFreeze(created);
  const running = must(startTask(created, T0 + 1)).state;
  if (status === 'running') return deepFreeze(running);
  if (status === 'canceled') return deepFreeze(must(cancelTask(running, 'stop', T0 + 2)).state);
  if (status === 'failed') return deepFreeze(must(failTask(running, 'too old', T0 + 2)).state);
  const done = applyJobDelta(running, { ...ZERO, queued: -2, completed: 2 }, T0 + 2).state;
  return deepFreeze(done);
}

const MOVERS: readonly { name: string; to: TaskStatus; apply: (t: Task) => Transition<Task> }[] = [
  { name: 'startTask', to: 'running', apply: (t) => startTask(t, NOW) },
  { name: 'failTask', to: 'failed', apply: (t) => failTask(t, 'expired', NOW) },
  {
    name: 'cancelTask',
    to: 'canceled',
    apply: (t) => cancelTask(t, 'stop', NOW, 'my-infra:2' as Task['id']),
  },
];

const LEGAL = TASK_STATUSES.flatMap((from) =>
  (TASK_TRANSITIONS[from] as readonly TaskStatus[]).map((to) => [from, to] as const),
);
const ILLEGAL = TASK_STATUSES.flatMap((from) =>
  TASK_STATUSES.filter(
    (to) => to !== from && !(TASK_TRANSITIONS[from] as readonly TaskStatus[]).includes(to),
  ).map((to) => [from, to] as const),
);

/** Moves a task along a legal edge with the function that implements it. */
function take(from: TaskStatus, to: TaskStatus): Task {
  if (to === 'completed')
    return finishTaskIfDone(
      { ...taskIn(from), counters: { ...emptyCounters(1), queued: 0, completed: 1 } },
      NOW,
    ).state;
  const mover = MOVERS.find((m) => m.to === to)!;
  return must(mover.apply(taskIn(from))).state;
}

describe('task transition table', () => {
  it('has the documented edges', () => {
    expect(LEGAL).toEqual([
      ['created', 'running'],
      ['created', 'failed'],
      ['created', 'canceled'],
      ['running', 'completed'],
      ['running', 'failed'],
      ['running', 'canceled'],
    ]);
  });

  it.each(LEGAL)('legal edge %s → %s is taken by a transition function', (from, to) => {
    expect(take(from, to).status).toBe(to);
  });

  it.each(ILLEGAL)('illegal edge %s → %s is rejected', (from, to) => {
    const task = taskIn(from);
    for (const mover of MOVERS.filter((m) => m.to === to)) {
      expect(mover.apply(task), mover.name).toEqual({
        ok: false,
        error: { code: 'invalid_transition', entity: 'task', from, to },
      });
    }
    if (to === 'completed') {
      // Completion is not a command but the counter rule: it never fires outside `running`.
      const done = { ...task, counters: { ...emptyCounters(1), queued: 0, completed: 1 } };
      expect(finishTaskIfDone(done, NOW)).toEqual({ state: done, events: [] });
    }
  });

  it('no function leaves the table from any state, and inputs are never mutated', () => {
    for (const from of TASK_STATUSES) {
      for (const mover of MOVERS) {
        const r = mover.apply(taskIn(from));
        if (r.ok) expect(TASK_TRANSITIONS[from] as readonly TaskStatus[]).toContain(r.value.state.status);
        else expect(r.error).toMatchObject({ code: 'invalid_transition', from });
      }
    }
  });
});

describe('task lifecycle', () => {
  it('startTask emits task.started; a task without jobs finishes in the same step', () => {
    const started = must(startTask(newTask(2), NOW));
    expect(started.state).toMatchObject({ status: 'running', startedAt: NOW });
    expect(started.events).toMatchObject([{ type: 'task.started', total: 2, trigger: 'api' }]);
    const empty = must(startTask(newTask(0), NOW));
    expect(empty.state.status).toBe('completed');
    expect(empty.events.map((e) => e.type)).toEqual(['task.started', 'task.finished']);
  });

  it('finishes completed when every job produced a plan, failed when any job failed', () => {
    const running = taskIn('running');
    const half = applyJobDelta(running, { ...ZERO, queued: -1, completed: 1, drifted: 1 }, NOW);
    expect(half.state.status).toBe('running');
    expect(half.events).toEqual([]);
    const ok = applyJobDelta(half.state, { ...ZERO, queued: -1, completed: 1 }, NOW);
    expect(ok.state).toMatchObject({ status: 'completed', finishedAt: NOW });
    expect(ok.events).toMatchObject([
      { type: 'task.finished', status: 'completed', counters: { drifted: 1 } },
    ]);
    const bad = applyJobDelta(half.state, { ...ZERO, queued: -1, failed: 1, errored: 1 }, NOW);
    expect(bad.state).toMatchObject({ status: 'failed', reason: '1 of 2 jobs failed' });
    expect(bad.events).toMatchObject([{ type: 'task.finished', status: 'failed' }]);
  });

  it('late deltas to an ended task move its counters only', () => {
    const canceled = taskIn('canceled');
    const r = applyJobDelta(canceled, { ...ZERO, queued: -1 }, NOW);
    expect(r.state).toMatchObject({ status: 'canceled', counters: { queued: 1 } });
    expect(r.events).toEqual([]);
  });

  it('cancelTask records who superseded it', () => {
    const r = must(cancelTask(taskIn('running'), 'superseded', NOW, 'my-infra:9' as Task['id']));
    expect(r.state).toMatchObject({ status: 'canceled', supersededBy: 'my-infra:9', reason: 'superseded' });
    expect(r.events).toMatchObject([{ type: 'task.canceled', supersededBy: 'my-infra:9' }]);
  });

  it('isActiveTask and isTaskExpired', () => {
    for (const s of TASK_STATUSES) expect(isActiveTask(taskIn(s))).toBe(s === 'created' || s === 'running');
    const running = taskIn('running');
    expect(isTaskExpired(running, 1000, T0 + 999)).toBe(false);
    expect(isTaskExpired(running, 1000, T0 + 1000)).toBe(true);
    expect(isTaskExpired(taskIn('completed'), 1000, T0 + 5000)).toBe(false);
  });
});
