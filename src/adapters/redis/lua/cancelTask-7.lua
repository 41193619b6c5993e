--[[
cancelTask: cancels a live task: its pending jobs leave the queue, running jobs are marked canceled (their
workers learn it at their next renewal), the repo lock and active pointer are released, the record expires
after retention. Mirrors cancelTask (domain/task.ts), cancelJob (domain/job.ts); canceled jobs count nowhere
but in total (domain/counters.ts), so queued and running drop to 0.
Input: KEYS[1] task HASH  KEYS[2] lock STRING  KEYS[3] active STRING  KEYS[4] live ZSET  KEYS[5] ready ZSET
  KEYS[6] leases ZSET  KEYS[7] task queue ZSET
  ARGV[1] reason  ARGV[2] retentionMs
Output: { 1, now, TF } canceled
Errors: { -1, now } no such task; { -6, now, TF } the task already ended (nothing changed)
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local TF = {'id', 'repo', 'status', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'finishedAt',
  'reason', 'supersededBy', 'maxAttempts', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'}
local tk = KEYS[1]
local t = rcall('HMGET', tk, 'id', 'status', 'jobs')
if not t[1] then return {-1, now} end
if t[2] ~= 'running' and t[2] ~= 'created' then return {-6, now, rcall('HMGET', tk, unpack(TF))} end
for _, jid in ipairs(cjson.decode(t[3])) do
  local s = rcall('HGET', tk, 'status@' .. jid)
  if s == 'pending' or s == 'running' or s == 'created' then
    rcall('ZREM', KEYS[6], jid)
    rcall('HSET', tk, 'status@' .. jid, 'canceled', 'finishedAt@' .. jid, now, 'updatedAt@' .. jid, now,
      'reason@' .. jid, ARGV[1])
  end
end
rcall('HSET', tk, 'queued', 0, 'running', 0, 'status', 'canceled', 'finishedAt', now, 'reason', ARGV[1])
for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == t[1] then rcall('DEL', k) end end
rcall('DEL', KEYS[7]); rcall('ZREM', KEYS[5], t[1]) -- its pending jobs leave the queue
rcall('ZREM', KEYS[4], t[1]); rcall('PEXPIRE', tk, ARGV[2])
return {1, now, rcall('HMGET', tk, unpack(TF))}
