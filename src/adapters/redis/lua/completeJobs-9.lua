--[[
completeJobs: a batch of lease holders of one task complete their jobs (counters move; the task finishes, lock
released, at its last job) and each claims its next job from one candidate list; events go to the stream. Every
entry is fenced and decided alone, as one completeJob then claim each; nothing raises after a write (checked).
Mirrors completeJob/startJob (domain/job.ts), counterDelta (domain/counters.ts), finishTaskIfDone (domain/task.ts).
Input: KEYS[1] task HASH  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET  KEYS[5] leases ZSET  KEYS[6] pending ZSET
  KEYS[7] nextTask, KEYS[8] nextLock: the candidates'  KEYS[9] events STREAM
  ARGV[1] retentionMs  ARGV[2] stream capacity  ARGV[3] taskId  ARGV[4] task.finished members  ARGV[5] next taskId
  ARGV[6] k entries  ARGV[7..6+9k] per entry: jobId, token, result JSON, drifted 1|0, job.completed members,
  next workerId ('' = none), token, leaseMs, job.started members; then candidates: jobId, its started members
Output: { now, { code, finished 1|0, D after, J before, nextCode, next jobId, next D after, next J before, reason } per
  entry }: D without lockTtlMs; code 1 = completed, nextCode 1 = claimed; reason when the task finished failed
Errors: code -1 not found, -3 canceled (task ended), -2 lease lost, -10 malformed task; nextCode -7 none left, 0 none asked
]]
local rcall = redis.call
local fmt, tk, nk, k = string.format, KEYS[1], KEYS[7], tonumber(ARGV[6])
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = fmt('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local T = {} -- each task's D, read once (counters and lockTtlMs as numbers; ok when all are)
local function task(key) if T[key] then return T[key] end
  local r = rcall('HMGET', key, unpack(D)); r.ok = true
  for i = 2, 9 do r[i] = tonumber(r[i]); r.ok = r.ok and r[i] ~= nil end T[key] = r; return r end
local function job(key, id) local f = {}; for i, n in ipairs(J) do f[i] = n .. '@' .. id end
  return rcall('HMGET', key, unpack(f)) end
local function emit(t, head) -- XADD one event with t's counters (exact trim, as RedisEventBus does)
  rcall('XADD', KEYS[9], 'MAXLEN', '=', ARGV[2], '*', 'e', fmt('{%s,"occurredAt":%d,"counters":{"total":%d,"queued":%d,'
    .. '"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', head, now, unpack(t, 2, 8))) end
local t, out, tw = task(tk), {}, {}
for e = 1, k do local a = 6 + 9 * (e - 1); local id = ARGV[a + 1]; local jr, fin, reason = job(tk, id), 0, false
  local code = not jr[1] and -1 or jr[1] == 'canceled' and -3 or (jr[2] ~= ARGV[a + 2] or jr[1] ~= 'running') and -2
    or not t.ok and -10 or 1
  if code == 1 then
    t[4], t[5], t[7] = t[4] - 1, t[5] + 1, t[7] + tonumber(ARGV[a + 4])
    rcall('HSET', tk, 'status@' .. id, 'completed', 'finishedAt@' .. id, ns, 'updatedAt@' .. id, ns, 'result@' .. id,
      ARGV[a + 3]); rcall('ZREM', KEYS[5], id); emit(t, ARGV[a + 5])
    if t[1] == 'running' and t[5] + t[6] >= t[2] then -- done: completed + failed >= total
      fin, t[1] = 1, t[6] > 0 and 'failed' or 'completed'; reason = t[6] > 0 and t[6] .. ' of ' .. t[2] .. ' jobs failed'
      tw = {'status', t[1], 'finishedAt', ns}; if reason then tw[5], tw[6] = 'reason', reason end
      for _, key in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', key) == ARGV[3] then rcall('DEL', key) end end
      rcall('ZREM', KEYS[4], ARGV[3]); rcall('PEXPIRE', tk, ARGV[1]) -- not live any more; kept for retention
      emit(t, fmt('%s,"status":"%s"%s', ARGV[4], t[1], reason and ',"reason":"' .. reason .. '"' or ''))
    end
  end
  out[e] = {code, fin, code == 1 and {unpack(t, 1, 8)} or {}, jr, 0, '', {}, {}, reason}
end
if t.ok then rcall('HSET', tk, 'queued', t[3], 'running', t[4], 'completed', t[5], 'drifted', t[7], unpack(tw)) end
local nt, c, claimed = task(nk), 7 + 9 * k, false -- the first sound candidate still pending wins (see claimJob)
for e = 1, k do local a = 6 + 9 * (e - 1); if ARGV[a + 6] ~= '' then out[e][5] = -7
  while c < #ARGV do local id, m = ARGV[c], ARGV[c + 1]; local nj = job(nk, id); c = c + 2
    if nj[1] == 'pending' and nt.ok and tonumber(nj[3]) and rcall('ZREM', KEYS[6], id) == 1 then
      local dl, att = fmt('%d', now + ARGV[a + 8]), tonumber(nj[3]) + 1; nt[3], nt[4], claimed = nt[3] - 1, nt[4] + 1, true
      rcall('HSET', nk, 'status@' .. id, 'running', 'attempt@' .. id, att, 'workerId@' .. id, ARGV[a + 6], 'leaseToken@'
        .. id, ARGV[a + 7], 'leaseDeadline@' .. id, dl, 'startedAt@' .. id, ns, 'updatedAt@' .. id, ns)
      rcall('ZADD', KEYS[5], dl, id); emit(nt, fmt('%s,%s,"attempt":%d', ARGV[a + 9], m, att))
      out[e][5], out[e][6], out[e][7], out[e][8] = 1, id, {unpack(nt, 1, 8)}, nj; break end end end end
if claimed then rcall('HSET', nk, 'queued', nt[3], 'running', nt[4]) -- the worker's heartbeat covers the lock
  if rcall('GET', KEYS[8]) == ARGV[5] then rcall('PEXPIRE', KEYS[8], nt[9]) end end
return {now, out}
