--[[
completeJob: the lease holder completes its job, counters move, the task finishes (lock released) if it was the
last job, and the next job is claimed, in one step. Mirrors completeJob + startJob (domain/job.ts), counterDelta
(domain/counters.ts: drifted ⊆ completed), finishTaskIfDone (domain/task.ts).
Input: KEYS[1] task HASH (job fields `<field>@<jobId>`)  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET
  KEYS[5] leases ZSET  KEYS[6] pending ZSET  KEYS[7] nextTask, KEYS[8] nextLock: the candidates' task and lock
  ARGV[1] jobId  ARGV[2] token  ARGV[3] result JSON  ARGV[4] drifted 1|0  ARGV[5] retentionMs
  ARGV[6] next workerId  ARGV[7] next token  ARGV[8] leaseMs  ARGV[9..] next candidates, oldest first (or none)
Output: { code, now, finished 1|0, TF, JF, nextCode, nextTF, nextJF, next jobId }; code 1 = done; nextCode 1 = claimed
Errors: code -1 job not found, -3 job canceled (task ended), -2 lease lost (token/state); nextCode -7 all gone,
  0 none asked
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
local st = rcall('HMGET', tk, 'status@' .. id, 'leaseToken@' .. id)
local code, finished, tf, jf = (not st[1] and -1) or (st[1] == 'canceled' and -3)
  or ((st[2] ~= ARGV[2] or st[1] ~= 'running') and -2) or 1, 0, {}, {}
if code == 1 then
  rcall('HSET', tk, 'status@' .. id, 'completed', 'finishedAt@' .. id, now, 'updatedAt@' .. id, now,
    'result@' .. id, ARGV[3]); rcall('ZREM', KEYS[5], id)
  for f, d in pairs({running = -1, completed = 1, drifted = tonumber(ARGV[4])}) do rcall('HINCRBY', tk, f, d) end
  local t = rcall('HMGET', tk, 'status', 'total', 'completed', 'failed', 'id', 'lockTtlMs')
  local total, failed = tonumber(t[2]), tonumber(t[4])
  if t[1] == 'running' and tonumber(t[3]) + failed >= total then -- done: completed + failed >= total
    finished = 1
    rcall('HSET', tk, 'status', failed > 0 and 'failed' or 'completed', 'finishedAt', now)
    if failed > 0 then rcall('HSET', tk, 'reason', failed .. ' of ' .. total .. ' jobs failed') end
    for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == t[5] then rcall('DEL', k) end end
    rcall('ZREM', KEYS[4], t[5]); rcall('PEXPIRE', tk, ARGV[5]) -- not live any more; kept for retention
  elseif rcall('GET', KEYS[2]) == t[5] then rcall('PEXPIRE', KEYS[2], t[6]) end
  tf, jf = snap(tk, id)
end
local nid, nc, ntf, njf = nil, #ARGV > 8 and -7 or 0, {}, {}
for i = 9, #ARGV do -- the first candidate still pending wins (its status in KEYS[7] proves it is that task's)
  local c = ARGV[i]
  if rcall('HGET', KEYS[7], 'status@' .. c) == 'pending' and rcall('ZREM', KEYS[6], c) == 1 then nid = c; break end
end
if nid then
  local dl = now + tonumber(ARGV[8])
  rcall('HSET', KEYS[7], 'status@' .. nid, 'running', 'workerId@' .. nid, ARGV[6], 'leaseToken@' .. nid, ARGV[7],
    'leaseDeadline@' .. nid, dl, 'startedAt@' .. nid, now, 'updatedAt@' .. nid, now)
  rcall('ZADD', KEYS[5], dl, nid)
  for f, d in pairs({queued = -1, running = 1, ['attempt@' .. nid] = 1}) do rcall('HINCRBY', KEYS[7], f, d) end
  local tl = rcall('HMGET', KEYS[7], 'id', 'lockTtlMs')
  if rcall('GET', KEYS[8]) == tl[1] then rcall('PEXPIRE', KEYS[8], tl[2]) end
  nc, ntf, njf = 1, snap(KEYS[7], nid)
end
return {code, now, finished, tf, jf, nc, ntf, njf, nid or ''}
