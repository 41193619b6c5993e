// driftd live updates: progressive enhancement without a framework. Pages work without this file;
// with it, scan/cancel forms post in the background and the event stream updates progress bars, counts
// and rows in place (no reloads). EventSource resumes with Last-Event-ID by itself after a drop.
(() => {
  window.__driftdLoadId = window.__driftdLoadId || `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const tasks = new Map(); // task id -> { counters, state: 'running' | 'done' | 'canceled' }
  const timers = new Map(); // fragment url -> pending refresh timer

  function showFlash(kind, text) {
    const area = document.getElementById('flash');
    if (!area) return;
    const p = document.createElement('p');
    p.className = `flash flash--${kind}`;
    p.textContent = text;
    area.replaceChildren(p);
  }

  async function postForm(form) {
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    try {
      const res = await fetch(form.action, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      const data = await res.json().catch(() => ({}));
      if (res.status === 401) showFlash('err', 'Your session ended: reload the page and sign in again.');
      else
        showFlash(
          data.kind || (res.ok ? 'ok' : 'err'),
          data.text || data.error || `Request failed (${res.status})`,
        );
      const owner = form.closest('[data-repo]');
      if (owner) refreshFor(owner.dataset.repo, null, true);
    } catch {
      showFlash('err', 'Could not reach driftd: check the connection and try again.');
    } finally {
      if (button?.isConnected) button.disabled = false;
    }
  }

  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-async') || !window.fetch) return;
    ev.preventDefault();
    postForm(form);
  });

  function progressText(c, state) {
    const done = c.completed + c.failed;
    const text = `${done} of ${c.total} done · ${c.drifted} drifted · ${c.failed} failed`;
    if (state === 'done') return `Finished: ${text}`;
    return state === 'canceled' ? `Canceled: ${text}` : text;
  }

  function paint(el, t) {
    const c = t.counters;
    const bar = el.querySelector('[role=progressbar]');
    if (!bar || !c) return;
    const done = c.completed + c.failed;
    if (t.state === 'running' && done < Number(bar.getAttribute('aria-valuenow'))) return;
    const pct = c.total === 0 ? 100 : Math.min(100, Math.round((done / c.total) * 100));
    const text = progressText(c, t.state);
    bar.setAttribute('aria-valuemax', String(c.total));
    bar.setAttribute('aria-valuenow', String(done));
    bar.setAttribute('aria-valuetext', text);
    el.querySelector('.fill')?.setAttribute('width', String(pct));
    const label = el.querySelector('.progress-text');
    if (label) label.textContent = text;
    el.dataset.state = t.state === 'running' ? 'running' : 'done';
  }

  function bars(root, taskId) {
    return [...root.querySelectorAll('[data-task-progress]')].filter(
      (el) => el.dataset.taskProgress === taskId,
    );
  }

  /** After a swap: re-apply newer live counters, and keep a finished task's bar visible. */
  function settle(oldEl, newEl) {
    for (const el of newEl.querySelectorAll('[data-task-progress]')) {
      const t = tasks.get(el.dataset.taskProgress);
      if (t) paint(el, t);
    }
    const slot =
      newEl.querySelector('[data-slot=progress]') || (newEl.dataset.slot === 'progress' ? newEl : null);
    for (const el of oldEl.querySelectorAll('[data-task-progress]')) {
      const t = tasks.get(el.dataset.taskProgress);
      if (!slot || !t || t.state === 'running' || bars(newEl, el.dataset.taskProgress).length > 0) continue;
      paint(el, t);
      slot.prepend(el);
    }
  }

  async function refresh(el) {
    const url = el.dataset.fragment;
    const res = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (!res.ok || !el.isConnected) return;
    const tpl = document.createElement('template');
    tpl.innerHTML = (await res.text()).trim();
    const fresh = tpl.content.firstElementChild;
    if (!fresh) return;
    const hadFocus = el.contains(document.activeElement);
    settle(el, fresh);
    el.replaceWith(fresh);
    if (hadFocus) fresh.querySelector('button, a')?.focus();
  }

  function schedule(el) {
    const url = el.dataset.fragment;
    if (timers.has(url)) return;
    timers.set(
      url,
      setTimeout(() => {
        timers.delete(url);
        const current = [...document.querySelectorAll('[data-fragment]')].find(
          (x) => x.dataset.fragment === url,
        );
        if (current) refresh(current).catch(() => {});
      }, 250),
    );
  }

  /** Refreshes the parts of the page about `repo` (and `stack`): rows, summaries, task lists. */
  function refreshFor(repo, stack, taskEvent) {
    for (const el of document.querySelectorAll('[data-fragment][data-repo]')) {
      const r = el.dataset.repo;
      if (r !== repo && r !== '*') continue;
      if (el.dataset.on === 'task' && !taskEvent) continue;
      if (el.dataset.stack !== undefined && el.dataset.stack !== stack) continue;
      schedule(el);
    }
  }

  function handle(e) {
    const repo = e.repo_name;
    const t = tasks.get(e.task_id) || { counters: null, state: 'running' };
    if (e.type === 'task.started')
      t.counters = { total: e.total, completed: 0, failed: 0, drifted: 0, errored: 0 };
    if (e.counters) t.counters = e.counters;
    if (e.type === 'task.finished') t.state = 'done';
    if (e.type === 'task.canceled') t.state = 'canceled';
    tasks.set(e.task_id, t);
    for (const el of bars(document, e.task_id)) paint(el, t);
    const isTask = e.type.startsWith('task.');
    refreshFor(repo, isTask ? null : e.stack, isTask);
    if (e.type === 'job.completed' || e.type === 'job.failed') {
      for (const head of document.querySelectorAll('[data-stale]')) {
        if (head.dataset.repo === repo && head.dataset.stack === e.stack) {
          head.querySelector('[data-stale-notice]')?.removeAttribute('hidden');
        }
      }
    }
  }

  function setLive(text) {
    const box = document.querySelector('[data-live-state]');
    if (!box) return;
    box.hidden = false;
    box.querySelector('[data-live-text]').textContent = text;
  }

  const url = document.body.dataset.events;
  if (url && window.EventSource) {
    const source = new EventSource(url);
    source.onopen = () => setLive('on');
    source.onerror = () => setLive('reconnecting…');
    source.onmessage = (m) => {
      try {
        handle(JSON.parse(m.data));
      } catch {
        // A frame this page does not understand: ignore it.
      }
    };
  }
})();
