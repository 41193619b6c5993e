--[[
recoverLease: returns a job whose lease expired (its worker died) to the queue, counting a lost_worker
attempt, or fails it past its retry budget (finishing the task if it was the last job, lock released).
Mirrors expireJobLease/settleFailure (domain/job.ts), shouldRetry (domain/failure.ts; the caller passes
isRetryable('lost_worker')), counterDelta (domain/counters.ts), finishTaskIfDone (domain/task.ts).
Input: KEYS[1] task HASH  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET  KEYS[5] leases ZSET
  KEYS[6] task queue ZSET  KEYS[7] seq  KEYS[8] ready ZSET
  ARGV[1] jobId  ARGV[2] retryable 1|0  ARGV[3] retentionMs  ARGV[4] wake channel
Output: { 1, now, finished 1|0, TF, JF } recovered (JF status pending = requeued); { 0, now } the job
  was not running (stale lease entry removed)
Errors: { -9, now }: the lease has not expired yet (Redis server time); { -10, now }: the record is malformed
  (checked before the first write: Lua does not roll back, so nothing may raise after one)
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local TF = {'id', 'repo', 'status', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'finishedAt',
  'reason', 'supersededBy', 'maxAttempts', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'}
local JF = {'status', 'attempt', 'stack', 'queuedAt', 'updatedAt', 'workerId', 'leaseToken', 'leaseDeadline',
  'startedAt', 'finishedAt', 'result', 'failKind', 'failMsg', 'lastKind', 'lastMsg', 'reason'}
local id, tk = ARGV[1], KEYS[1]
local st = rcall('HMGET', tk, 'status@' .. id, 'leaseDeadline@' .. id, 'workerId@' .. id, 'attempt@' .. id,
  'maxAttempts', 'id', 'total')
if st[1] ~= 'running' then rcall('ZREM', KEYS[5], id); return {0, now} end
if not (tonumber(st[2]) and st[3] and tonumber(st[4]) and tonumber(st[5]) and st[6] and tonumber(st[7])) then
  return {-10, now} end
if now < tonumber(st[2]) then return {-9, now} end
local msg = 'lease of worker ' .. st[3] .. ' expired (attempt ' .. st[4] .. ' of ' .. st[5] .. ')'
local finished = 0
rcall('ZREM', KEYS[5], id)
rcall('HSET', tk, 'updatedAt@' .. id, now, 'lastKind@' .. id, 'lost_worker', 'lastMsg@' .. id, msg)
if ARGV[2] == '1' and tonumber(st[4]) < tonumber(st[5]) then
  rcall('HSET', tk, 'status@' .. id, 'pending', 'queuedAt@' .. id, now); rcall('PUBLISH', ARGV[4], '1')
  local seq = rcall('INCR', KEYS[7]); rcall('ZADD', KEYS[6], seq, id) -- it left the queue when claimed: never twice
  rcall('ZADD', KEYS[8], 'NX', seq, st[6]) -- already in the ready index: its head is older
  for f, d in pairs({running = -1, queued = 1}) do rcall('HINCRBY', tk, f, d) end
else
  rcall('HSET', tk, 'status@' .. id, 'failed', 'finishedAt@' .. id, now, 'failKind@' .. id, 'lost_worker',
    'failMsg@' .. id, msg)
  for f, d in pairs({running = -1, failed = 1}) do rcall('HINCRBY', tk, f, d) end
  local t = rcall('HMGET', tk, 'status', 'total', 'completed', 'failed')
  if t[1] == 'running' and tonumber(t[3]) + tonumber(t[4]) >= tonumber(t[2]) then -- the last job ended
    finished = 1
    rcall('HSET', tk, 'status', 'failed', 'finishedAt', now, 'reason', t[4] .. ' of ' .. t[2] .. ' jobs failed')
    for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == st[6] then rcall('DEL', k) end end
    rcall('ZREM', KEYS[4], st[6]); rcall('PEXPIRE', tk, ARGV[3]) -- not live any more; kept for retention
  end
end
local jf = {}; for i, n in ipairs(JF) do jf[i] = n .. '@' .. id end
return {1, now, finished, rcall('HMGET', tk, unpack(TF)), rcall('HMGET', tk, unpack(jf))}
