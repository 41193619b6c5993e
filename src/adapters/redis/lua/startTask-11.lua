--[[
startTask: "start a task for a repo, or tell me who holds it", atomically. If the repo has no live task (or its
lock expired, or supersede is asked): cancels the superseded task's live jobs, creates the task running with its
jobs pending and takes the repo lock for it; else writes nothing. Mirrors createTask/startTask/cancelTask
(domain/task.ts), enqueueJob/cancelJob (domain/job.ts), emptyCounters (domain/counters.ts).
Input: KEYS[1] lock  KEYS[2] active  KEYS[3] new task HASH  KEYS[4] old task HASH (KEYS[3] if none)  KEYS[5] ready
  KEYS[6] seq  KEYS[7] live  KEYS[8] repo tasks  KEYS[9] leases  KEYS[10] new task queue  KEYS[11] old one's (or 10th)
  ARGV[1] taskId  ARGV[2] repo  ARGV[3] trigger JSON  ARGV[4] commit|''  ARGV[5] stack|''  ARGV[6] maxAttempts
  ARGV[7] lockTtlMs  ARGV[8] supersede 1|0  ARGV[9] active id the caller saw|''  ARGV[10] cancel reason
  ARGV[11] retentionMs  ARGV[12] tasks cap  ARGV[13] wake channel  ARGV[14] job ids JSON (stack order)
  ARGV[15] their stacks JSON (same order; two JSON args, not 2N args: a 50k-job start must fit a JS call)
Output: { 1, now, superseded TF or {} }
Errors: { -8, now } the task id exists; { -4, now, active } conflict: the repo's live task holds its lock; { -5, now,
  active } the caller's view of the active task is stale (retry with it)
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = string.format('%d', now)
local TF = {'id', 'repo', 'status', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'finishedAt',
  'reason', 'supersededBy', 'maxAttempts', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'}
local id, tk, old = ARGV[1], KEYS[3], KEYS[4]; if rcall('EXISTS', tk) == 1 then return {-8, now} end
local cur, holder = rcall('GET', KEYS[2]), rcall('GET', KEYS[1])
if cur and holder == cur and ARGV[8] ~= '1' then return {-4, now, cur} elseif (cur or '') ~= ARGV[9] then
  return {-5, now, cur or ''} end
local ids, stacks = cjson.decode(ARGV[14]), cjson.decode(ARGV[15]) -- decoded and checked before any write
local n, sup = #ids, {}; if #stacks ~= n then return redis.error_reply('startTask: job ids and stacks differ') end
if cur then -- supersede (asked, or its lock expired: every holder died)
  for _, jid in ipairs(cjson.decode(rcall('HGET', old, 'jobs'))) do
    local s = rcall('HGET', old, 'status@' .. jid)
    if s == 'pending' or s == 'running' then
      rcall('ZREM', KEYS[9], jid)
      rcall('HSET', old, 'status@' .. jid, 'canceled', 'finishedAt@' .. jid, now, 'updatedAt@' .. jid, now,
        'reason@' .. jid, ARGV[10])
    end
  end
  rcall('HSET', old, 'queued', 0, 'running', 0, 'status', 'canceled', 'finishedAt', now, 'reason', ARGV[10],
    'supersededBy', id); rcall('ZREM', KEYS[7], cur); rcall('PEXPIRE', old, ARGV[11])
  rcall('DEL', KEYS[11]); rcall('ZREM', KEYS[5], cur) -- its pending jobs leave the queue
  sup = rcall('HMGET', old, unpack(TF))
end
local seq, h, z = rcall('INCRBY', KEYS[6], n) - n, {}, {}
for i = 1, n do -- 500 jobs per HSET and ZADD: few calls, each within Lua's unpack limit
  local jid, k = ids[i], #h
  h[k + 1], h[k + 2], h[k + 3], h[k + 4], h[k + 5], h[k + 6] = 'status@' .. jid, 'pending', 'attempt@' .. jid, 0,
    'stack@' .. jid, stacks[i]; h[k + 7], h[k + 8] = 'queuedAt@' .. jid, ns -- updatedAt: queuedAt until it changes
  z[#z + 1], z[#z + 2] = seq + i, jid
  if i % 500 == 0 or i == n then rcall('HSET', tk, unpack(h)); rcall('ZADD', KEYS[10], unpack(z)); h, z = {}, {} end
end
rcall('HSET', tk, 'id', id, 'repo', ARGV[2], 'trigger', ARGV[3], 'createdAt', now, 'startedAt', now, 'seqEnd', seq + n,
  'maxAttempts', ARGV[6], 'lockTtlMs', ARGV[7], 'lockAt', now, 'jobs', ARGV[14], 'total', n, 'queued', n, 'running', 0,
  'completed', 0, 'failed', 0, 'drifted', 0, 'errored', 0, 'status', n == 0 and 'completed' or 'running')
for f, v in pairs({commit = ARGV[4], stack = ARGV[5]}) do if v ~= '' then rcall('HSET', tk, f, v) end end
if n == 0 then -- finishTaskIfDone: nothing to do, done at once; the lock is not kept
  rcall('HSET', tk, 'finishedAt', now); rcall('PEXPIRE', tk, ARGV[11]); rcall('DEL', KEYS[2])
  if cur and holder == cur then rcall('DEL', KEYS[1]) end
else -- a lock held by someone who is not the live task is stale (its task ended): take it over
  rcall('SET', KEYS[1], id, 'PX', ARGV[7]); rcall('SET', KEYS[2], id); rcall('ZADD', KEYS[7], now, id)
  rcall('ZADD', KEYS[5], seq + 1, id); rcall('PUBLISH', ARGV[13], '1') -- ready: by its oldest pending job
end
rcall('ZADD', KEYS[8], now, id); rcall('ZREMRANGEBYRANK', KEYS[8], 0, -tonumber(ARGV[12]) - 1) -- bounded index
return {1, now, sup}
