--[[
failJob: the lease holder reports a failure: requeued if retryable with attempts left, else failed (the task
finishes if that was its last job); then the next job is claimed. Mirrors settleFailure, startJob (domain/job.ts),
shouldRetry (domain/failure.ts; caller passes isRetryable, countsAsErrored), counterDelta, finishTaskIfDone.
Input: KEYS[1] task HASH  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET  KEYS[5] leases ZSET  KEYS[6] pending ZSET
  KEYS[7] seq  KEYS[8] nextTask: the next candidates' task
  ARGV[1] jobId  ARGV[2] token  ARGV[3] kind  ARGV[4] message  ARGV[5] retryable 1|0  ARGV[6] errored 1|0
  ARGV[7] result JSON or ''  ARGV[8] retentionMs  ARGV[9] wake channel  ARGV[10] next workerId
  ARGV[11] next token  ARGV[12] leaseMs  ARGV[13..] next candidates, oldest first (or none)
Output: { code, now, finished 1|0, TF, JF, nextCode, nextTF, nextJF, next jobId }; JF status pending = retried
Errors: code -1 job not found, -3 job canceled (task ended), -2 lease lost (token/state); nextCode -7 all gone
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local TF = {'id', 'repo', 'status', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'finishedAt',
  'reason', 'supersededBy', 'maxAttempts', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'}
local JF = {'status', 'attempt', 'stack', 'queuedAt', 'updatedAt', 'workerId', 'leaseToken', 'leaseDeadline',
  'startedAt', 'finishedAt', 'result', 'failKind', 'failMsg', 'lastKind', 'lastMsg', 'reason'}
local function snap(key, id)
  local f = {}; for i, n in ipairs(JF) do f[i] = n .. '@' .. id end
  return rcall('HMGET', key, unpack(TF)), rcall('HMGET', key, unpack(f))
end
local id, tk = ARGV[1], KEYS[1]
local st = rcall('HMGET', tk, 'status@' .. id, 'leaseToken@' .. id, 'attempt@' .. id, 'maxAttempts', 'id', 'status',
  'total', 'completed', 'failed')
local code, finished, tf, jf = (not st[1] and -1) or (st[1] == 'canceled' and -3)
  or ((st[2] ~= ARGV[2] or st[1] ~= 'running') and -2) or 1, 0, {}, {}
if code == 1 then
  rcall('HSET', tk, 'updatedAt@' .. id, now, 'lastKind@' .. id, ARGV[3], 'lastMsg@' .. id, ARGV[4])
  if ARGV[5] == '1' and tonumber(st[3]) < tonumber(st[4]) then
    rcall('HSET', tk, 'status@' .. id, 'pending', 'queuedAt@' .. id, now); rcall('PUBLISH', ARGV[9], '1')
    rcall('ZADD', KEYS[6], rcall('INCR', KEYS[7]), id) -- it left `pending` when claimed: never in it twice
    for f, d in pairs({running = -1, queued = 1}) do rcall('HINCRBY', tk, f, d) end
  else
    rcall('HSET', tk, 'status@' .. id, 'failed', 'finishedAt@' .. id, now, 'failKind@' .. id, ARGV[3],
      'failMsg@' .. id, ARGV[4], 'result@' .. id, ARGV[7])
    for f, d in pairs({running = -1, failed = 1, errored = tonumber(ARGV[6])}) do rcall('HINCRBY', tk, f, d) end
    local failed = tonumber(st[9]) + 1 -- counters as read above, plus this job
    if st[6] == 'running' and tonumber(st[8]) + failed >= tonumber(st[7]) then finished = 1 -- the last job ended
      rcall('HSET', tk, 'status', 'failed', 'finishedAt', now, 'reason', failed .. ' of ' .. st[7] .. ' jobs failed')
      for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == st[5] then rcall('DEL', k) end end
      rcall('ZREM', KEYS[4], st[5]); rcall('PEXPIRE', tk, ARGV[8]) -- not live any more; kept for retention
    end
  end
  rcall('ZREM', KEYS[5], id); tf, jf = snap(tk, id)
end
local nid, nc, ntf, njf = nil, #ARGV > 12 and -7 or 0, {}, {}
for i = 13, #ARGV do -- the first candidate still pending wins (its status in KEYS[8] proves it is that task's)
  local c = ARGV[i]
  if rcall('HGET', KEYS[8], 'status@' .. c) == 'pending' and rcall('ZREM', KEYS[6], c) == 1 then nid = c; break end
end
if nid then
  local dl = now + tonumber(ARGV[12])
  rcall('HSET', KEYS[8], 'status@' .. nid, 'running', 'workerId@' .. nid, ARGV[10], 'leaseToken@' .. nid,
    ARGV[11], 'leaseDeadline@' .. nid, dl, 'startedAt@' .. nid, now, 'updatedAt@' .. nid, now)
  rcall('ZADD', KEYS[5], dl, nid)
  for f, d in pairs({queued = -1, running = 1, ['attempt@' .. nid] = 1}) do rcall('HINCRBY', KEYS[8], f, d) end
  nc, ntf, njf = 1, snap(KEYS[8], nid) -- its repo lock is extended by its worker's first heartbeat
end
return {code, now, finished, tf, jf, nc, ntf, njf, nid or ''}
