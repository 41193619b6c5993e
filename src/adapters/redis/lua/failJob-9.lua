--[[
failJob: the lease holder reports a failure: requeued if retryable with attempts left, else failed (the task finishes
if it was its last job); then the next job is claimed, in one step. Mirrors settleFailure, startJob (domain/job.ts),
shouldRetry (domain/failure.ts; caller passes isRetryable, countsAsErrored), counterDelta, finishTaskIfDone. Failures
are rare: unlike completeJob, their events are left to the caller to publish.
Input: KEYS[1] task HASH  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET  KEYS[5] leases ZSET  KEYS[6] pending ZSET
  KEYS[7] seq  KEYS[8] nextTask, KEYS[9] nextLock: the next candidates' task and lock
  ARGV[1] jobId  ARGV[2] token  ARGV[3] kind  ARGV[4] message  ARGV[5] retryable 1|0  ARGV[6] errored 1|0
  ARGV[7] result JSON or ''  ARGV[8] retentionMs  ARGV[9] wake channel  ARGV[10] taskId
  ARGV[11..14] next workerId, token, leaseMs, taskId  ARGV[15..] next candidates, oldest first (or none)
Output: { code, now, finished 1|0, D after, J before, nextCode, next jobId, next D after, next J before, reason,
  retried 1|0 }, D and J as in completeJob
Errors: code -1 job not found, -3 job canceled (task ended), -2 lease lost; nextCode -7 all gone, 0 none asked
]]
local rcall = redis.call
local id, tk = ARGV[1], KEYS[1]
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = string.format('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local function read(key, j) -- one HMGET: the task's D (counters as numbers), then J of job j
  local f = {unpack(D)}; for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. j end
  local r = rcall('HMGET', key, unpack(f)); r.ok = true -- ok: counters and lockTtlMs are numbers
  for i = 2, 9 do r[i] = tonumber(r[i]); r.ok = r.ok and r[i] ~= nil end
  return r, {unpack(r, 10, 15)}
end
local finished, retry, reason, t, jr = 0, 0, false, read(tk, id)
local code = not jr[1] and -1 or jr[1] == 'canceled' and -3 or (jr[2] ~= ARGV[2] or jr[1] ~= 'running') and -2 or 1
if code == 1 then
  local w = {'updatedAt@' .. id, ns, 'lastKind@' .. id, ARGV[3], 'lastMsg@' .. id, ARGV[4], 'status@' .. id}
  if ARGV[5] == '1' and tonumber(jr[3]) < tonumber(rcall('HGET', tk, 'maxAttempts')) then -- requeued at the end
    retry, t[4], t[3] = 1, t[4] - 1, t[3] + 1; w[8], w[9], w[10] = 'pending', 'queuedAt@' .. id, ns
    rcall('ZADD', KEYS[6], rcall('INCR', KEYS[7]), id); rcall('PUBLISH', ARGV[9], '1') -- never in it twice
  else
    t[4], t[6], t[8] = t[4] - 1, t[6] + 1, t[8] + tonumber(ARGV[6])
    for _, v in ipairs({'failed', 'finishedAt@' .. id, ns, 'failKind@' .. id, ARGV[3], 'failMsg@' .. id, ARGV[4],
      'result@' .. id, ARGV[7]}) do w[#w + 1] = v end
    if t[1] == 'running' and t[5] + t[6] >= t[2] then finished = 1 -- the last job ended
      t[1], reason = 'failed', t[6] .. ' of ' .. t[2] .. ' jobs failed'
      for _, v in ipairs({'status', 'failed', 'finishedAt', ns, 'reason', reason}) do w[#w + 1] = v end
      for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == ARGV[10] then rcall('DEL', k) end end
      rcall('ZREM', KEYS[4], ARGV[10]); rcall('PEXPIRE', tk, ARGV[8]) -- not live any more; kept for retention
    end
  end
  rcall('HSET', tk, 'queued', t[3], 'running', t[4], 'failed', t[6], 'errored', t[8], unpack(w))
  rcall('ZREM', KEYS[5], id)
end
local nc, nid, nt, nj = #ARGV > 14 and -7 or 0, '', {}, {}
for i = 15, #ARGV do -- the first sound candidate still pending wins (see claimJob: nothing after ZREM raises)
  nt, nj = read(KEYS[8], ARGV[i])
  if nj[1] == 'pending' and nt.ok and tonumber(nj[3]) and rcall('ZREM', KEYS[6], ARGV[i]) == 1 then
    nc, nid = 1, ARGV[i]; break end
end
if nc == 1 then
  local dl, att = string.format('%d', now + ARGV[13]), tonumber(nj[3]) + 1; nt[3], nt[4] = nt[3] - 1, nt[4] + 1
  rcall('HSET', KEYS[8], 'queued', nt[3], 'running', nt[4], 'status@' .. nid, 'running', 'attempt@' .. nid, att,
    'workerId@' .. nid, ARGV[11], 'leaseToken@' .. nid, ARGV[12], 'leaseDeadline@' .. nid, dl, 'startedAt@' .. nid, ns,
    'updatedAt@' .. nid, ns); rcall('ZADD', KEYS[5], dl, nid)
  if rcall('GET', KEYS[9]) == ARGV[14] then rcall('PEXPIRE', KEYS[9], nt[9]) end -- the worker's heartbeat covers it
end
return {code, now, finished, code == 1 and {unpack(t, 1, 8)} or {}, jr, nc, nid, {unpack(nt, 1, 8)}, nj, reason, retry}
