--[[
completeJobs: lease holders of task T complete their jobs: counters move, and T finishes (lock and active pointer
released) at its last job; each job.completed (and task.finished) goes to the stream, trimmed once. Every entry is
fenced and decided alone; nothing raises after a write (the task record is checked first).
Mirrors completeJob (domain/job.ts), counterDelta (domain/counters.ts), finishTaskIfDone (domain/task.ts).
Input: KEYS[1] T HASH  KEYS[2] T lock  KEYS[3] T active  KEYS[4] live ZSET  KEYS[5] leases ZSET  KEYS[6] events STREAM
  ARGV[1] retentionMs  ARGV[2] stream capacity  ARGV[3] T id  ARGV[4] task.finished members  ARGV[5] k; then 5 per
  entry: jobId, lease token, result JSON, drifted 1|0, job.completed members
Output: { now, T's D before, finished at entry (0 = no), reason ('' = none), per entry { code, attempt, startedAt,
  lastKind, lastMsg } }: the caller replays the counters (counterDelta) entry by entry
Errors: per entry code -1 not found, -3 canceled (task ended), -2 lease lost, -10 malformed task (1 = completed)
]]
local rcall = redis.call
local fmt, k, f, out, w, z = string.format, tonumber(ARGV[5]), {}, {}, {}, {}
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = fmt('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local t = rcall('HMGET', KEYS[1], unpack(D)); t.ok = true
for i = 2, 9 do t[i] = tonumber(t[i]); t.ok = t.ok and t[i] ~= nil end
local before, fin, reason = {unpack(t, 1, 8)}, 0, ''
local function emit(head) rcall('XADD', KEYS[6], '*', 'e', fmt('{%s,"occurredAt":%s,"counters":{"total":%d,"queued":%d,'
  .. '"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', head, ns, unpack(t, 2, 8))) end
for e = 1, k do local id = ARGV[1 + 5 * e]
  for _, n in ipairs({'status@', 'leaseToken@', 'attempt@', 'startedAt@', 'lastKind@', 'lastMsg@'}) do f[#f + 1] = n .. id end
end
local j = k > 0 and rcall('HMGET', KEYS[1], unpack(f)) or {}
for e = 1, k do local a, o = 1 + 5 * e, 6 * (e - 1); local id = ARGV[a]
  local code = not j[o + 1] and -1 or j[o + 1] == 'canceled' and -3
    or (j[o + 2] ~= ARGV[a + 1] or j[o + 1] ~= 'running') and -2 or not t.ok and -10 or 1
  if code == 1 then
    t[4], t[5], t[7] = t[4] - 1, t[5] + 1, t[7] + tonumber(ARGV[a + 3]); z[#z + 1] = id; emit(ARGV[a + 4])
    for _, v in ipairs({'status@' .. id, 'completed', 'finishedAt@' .. id, ns, 'updatedAt@' .. id, ns, 'result@' .. id,
      ARGV[a + 2]}) do w[#w + 1] = v end
    if t[1] == 'running' and t[5] + t[6] >= t[2] then -- done: completed + failed >= total
      fin, t[1] = e, t[6] > 0 and 'failed' or 'completed'
      for _, v in ipairs({'status', t[1], 'finishedAt', ns}) do w[#w + 1] = v end
      if t[6] > 0 then reason = t[6] .. ' of ' .. t[2] .. ' jobs failed'; w[#w + 1], w[#w + 2] = 'reason', reason end
      for _, key in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', key) == ARGV[3] then rcall('DEL', key) end end
      rcall('ZREM', KEYS[4], ARGV[3]) -- not live any more; kept for the retention (PEXPIRE below)
      emit(fmt('%s,"status":"%s"%s', ARGV[4], t[1], reason ~= '' and ',"reason":"' .. reason .. '"' or ''))
    end
  end
  out[e] = {code, j[o + 3] or false, j[o + 4] or false, j[o + 5] or false, j[o + 6] or false}
end
if #z > 0 then
  rcall('HSET', KEYS[1], 'queued', t[3], 'running', t[4], 'completed', t[5], 'drifted', t[7], unpack(w))
  rcall('ZREM', KEYS[5], unpack(z)); rcall('XTRIM', KEYS[6], 'MAXLEN', '=', ARGV[2]) -- exact, as RedisEventBus trims
  if fin > 0 then rcall('PEXPIRE', KEYS[1], ARGV[1]) end
end
return {now, before, fin, reason, out}
