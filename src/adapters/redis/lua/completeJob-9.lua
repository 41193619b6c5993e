--[[
completeJob: the lease holder completes its job (counters move; the task finishes, lock released, if it was its last
job), claims the next one and appends their events to the stream, in one step. Mirrors completeJob/startJob (domain/
job.ts), counterDelta (domain/counters.ts), finishTaskIfDone (domain/task.ts), the events of queue-replies.ts.
Input: KEYS[1] task HASH (job fields `<field>@<jobId>`)  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET
  KEYS[5] leases ZSET  KEYS[6] pending ZSET  KEYS[7] nextTask, KEYS[8] nextLock: the candidates'  KEYS[9] events
  ARGV[1] jobId  ARGV[2] token  ARGV[3] result JSON  ARGV[4] drifted 1|0  ARGV[5] retentionMs  ARGV[6] stream capacity
  ARGV[7] taskId  ARGV[8], ARGV[9] the job.completed and task.finished events' other fields (JSON members)
  ARGV[10..13] next workerId, token, leaseMs, taskId  ARGV[14] job.started's shared members
  ARGV[15..] next candidates, oldest first, each followed by its job.started members (jobId, stack)
Output: { code, now, finished 1|0, D after, J before, nextCode, next jobId, next D after, next J before, reason }
  D, J as below (D without lockTtlMs); code 1 = completed, nextCode 1 = claimed; reason when it finished failed
Errors: code -1 not found, -3 canceled (task ended), -2 lease lost; nextCode -7 all gone, 0 none asked
]]
local rcall = redis.call
local fmt, id, tk = string.format, ARGV[1], KEYS[1]
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = fmt('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local function read(key, a, b) -- one HMGET: the task's D (counters as numbers), then J of job a, and of job b if given
  local f = {unpack(D)}; for _, j in ipairs({a, b}) do for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. j end end
  local r = rcall('HMGET', key, unpack(f)); r.ok = true -- ok: counters and lockTtlMs are numbers
  for i = 2, 9 do r[i] = tonumber(r[i]); r.ok = r.ok and r[i] ~= nil end
  return r, {unpack(r, 10, 15)}, {unpack(r, 16, 21)} end
local function emit(t, head) -- XADD one event with t's counters (exact trim, as RedisEventBus does)
  rcall('XADD', KEYS[9], 'MAXLEN', '=', ARGV[6], '*', 'e', fmt('{%s,"occurredAt":%d,"counters":{"total":%d,"queued":%d,'
    .. '"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', head, now, unpack(t, 2, 8))) end
local same = KEYS[7] == tk and ARGV[15] -- then the first candidate's fields come with the job's
local finished, reason, t, jr, cj = 0, false, read(tk, id, same or nil)
local code = not jr[1] and -1 or jr[1] == 'canceled' and -3 or (jr[2] ~= ARGV[2] or jr[1] ~= 'running') and -2 or 1
if code == 1 then
  t[4], t[5], t[7] = t[4] - 1, t[5] + 1, t[7] + tonumber(ARGV[4])
  local w = {'status@' .. id, 'completed', 'finishedAt@' .. id, ns, 'updatedAt@' .. id, ns, 'result@' .. id, ARGV[3]}
  if t[1] == 'running' and t[5] + t[6] >= t[2] then -- done: completed + failed >= total
    finished, t[1] = 1, t[6] > 0 and 'failed' or 'completed'
    reason = t[6] > 0 and t[6] .. ' of ' .. t[2] .. ' jobs failed'
    w[9], w[10], w[11], w[12] = 'status', t[1], 'finishedAt', ns; if reason then w[13], w[14] = 'reason', reason end
    for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == ARGV[7] then rcall('DEL', k) end end
    rcall('ZREM', KEYS[4], ARGV[7]); rcall('PEXPIRE', tk, ARGV[5]) -- not live any more; kept for retention
  end
  rcall('HSET', tk, 'running', t[4], 'completed', t[5], 'drifted', t[7], unpack(w)); rcall('ZREM', KEYS[5], id)
  emit(t, ARGV[8])
  if finished == 1 then
    emit(t, fmt('%s,"status":"%s"%s', ARGV[9], t[1], reason and ',"reason":"' .. reason .. '"' or '')) end
end
local nc, nid, nt, nj = #ARGV > 14 and -7 or 0, '', {}, {}
for i = 15, #ARGV, 2 do -- the first sound candidate still pending wins (see claimJob: nothing after ZREM raises)
  if same and i == 15 then nt, nj = {unpack(t, 1, 9)}, cj; nt.ok = t.ok else nt, nj = read(KEYS[7], ARGV[i]) end
  if nj[1] == 'pending' and nt.ok and tonumber(nj[3]) and rcall('ZREM', KEYS[6], ARGV[i]) == 1 then
    nc, nid = i, ARGV[i]; break end
end
if nc > 0 then
  local dl, att = fmt('%d', now + ARGV[12]), tonumber(nj[3]) + 1; nt[3], nt[4] = nt[3] - 1, nt[4] + 1
  rcall('HSET', KEYS[7], 'queued', nt[3], 'running', nt[4], 'status@' .. nid, 'running', 'attempt@' .. nid, att,
    'workerId@' .. nid, ARGV[10], 'leaseToken@' .. nid, ARGV[11], 'leaseDeadline@' .. nid, dl, 'startedAt@' .. nid, ns,
    'updatedAt@' .. nid, ns); rcall('ZADD', KEYS[5], dl, nid)
  if rcall('GET', KEYS[8]) == ARGV[13] then rcall('PEXPIRE', KEYS[8], nt[9]) end -- the worker's heartbeat covers it
  emit(nt, fmt('%s,%s,"attempt":%d', ARGV[14], ARGV[nc + 1], att)); nc = 1
end
return {code, now, finished, code == 1 and {unpack(t, 1, 8)} or {}, jr, nc, nid, {unpack(nt, 1, 8)}, nj, reason}
