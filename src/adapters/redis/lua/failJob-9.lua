--[[
failJob: the lease holder reports a failure: requeued at the back of its task's queue if retryable with attempts
left, else failed (the task finishes, lock released, if it was its last job). Mirrors settleFailure (domain/job.ts),
shouldRetry (domain/failure.ts; the caller passes isRetryable, countsAsErrored), counterDelta, finishTaskIfDone.
job.failed (and task.finished) go to the stream; a next claim goes after it in the same MULTI (claimJobs).
Input: KEYS[1] task HASH  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET  KEYS[5] leases ZSET  KEYS[6] ready ZSET
  KEYS[7] task queue ZSET  KEYS[8] seq  KEYS[9] events STREAM
  ARGV[1] jobId  ARGV[2] token  ARGV[3] kind  ARGV[4] message  ARGV[5] retryable 1|0  ARGV[6] errored 1|0
  ARGV[7] result JSON or ''  ARGV[8] retentionMs  ARGV[9] wake channel  ARGV[10] taskId  ARGV[11] stream capacity
  ARGV[12] job.failed members  ARGV[13] task.finished members
Output: { code, now, finished 1|0, D after, J before, reason, retried 1|0 } (D without lockTtlMs)
Errors: code -1 job not found, -3 job canceled (task ended), -2 lease lost, -10 malformed record (nothing written)
]]
local rcall = redis.call
local id, tk = ARGV[1], KEYS[1]
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = string.format('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local f = {unpack(D)}; for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. id end; f[#f + 1] = 'maxAttempts'
local t = rcall('HMGET', tk, unpack(f)); local jr, ok = {unpack(t, 10, 15)}, tonumber(t[16]) and tonumber(t[12])
for i = 2, 9 do t[i] = tonumber(t[i]); ok = ok and t[i] end
local finished, retry, reason = 0, 0, false -- checked before any write: nothing raises after one (no rollback)
local function emit(head) rcall('XADD', KEYS[9], '*', 'e', string.format('{%s,"occurredAt":%s,"counters":{"total":%d,'
  .. '"queued":%d,"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', head, ns, unpack(t, 2, 8))) end
local code = not jr[1] and -1 or jr[1] == 'canceled' and -3 or (jr[2] ~= ARGV[2] or jr[1] ~= 'running') and -2
  or not ok and -10 or 1
if code == 1 then
  local w = {'updatedAt@' .. id, ns, 'lastKind@' .. id, ARGV[3], 'lastMsg@' .. id, ARGV[4], 'status@' .. id}
  if ARGV[5] == '1' and tonumber(jr[3]) < tonumber(t[16]) then -- requeued at the back
    retry, t[4], t[3] = 1, t[4] - 1, t[3] + 1; w[8], w[9], w[10] = 'pending', 'queuedAt@' .. id, ns
    local seq = rcall('INCR', KEYS[8]); rcall('ZADD', KEYS[7], seq, id) -- it left the queue when claimed: never twice
    rcall('ZADD', KEYS[6], 'NX', seq, ARGV[10]); rcall('PUBLISH', ARGV[9], '1') -- already there: its head is older
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
  rcall('ZREM', KEYS[5], id); emit(ARGV[12] .. ',"willRetry":' .. (retry == 1 and 'true' or 'false'))
  if finished == 1 then emit(ARGV[13] .. ',"status":"failed","reason":"' .. reason .. '"') end
  rcall('XTRIM', KEYS[9], 'MAXLEN', '=', ARGV[11]) -- exact, as RedisEventBus trims
end
return {code, now, finished, code == 1 and {unpack(t, 1, 8)} or {}, jr, reason, retry}
