--[[
renewLease: the lease holder's heartbeat: extends its job lease and its task's repo lock (re-taking the lock
if it expired while nobody held it). Mirrors renewJobLease (domain/job.ts) and the lock policy's
compare-and-set on the owner (domain/lock-policy.ts).
Input:
  KEYS[1] task HASH (job fields `<field>@<jobId>`)  KEYS[2] leases ZSET by deadline  KEYS[3] lock STRING
  ARGV[1] jobId  ARGV[2] lease token  ARGV[3] leaseMs  ARGV[4] lockTtlMs
Output: 1 = renewed, 0 = lease lost (taken over, finished or unknown), 2 = the job was canceled
Errors: none (a lost lease is an outcome, not an error)
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local id = ARGV[1]
local st = rcall('HMGET', KEYS[1], 'status@' .. id, 'leaseToken@' .. id, 'id')
if st[1] == 'canceled' then return 2 end -- its task ended: the worker stops, whoever it is
if st[1] ~= 'running' or st[2] ~= ARGV[2] then return 0 end
local dl = now + tonumber(ARGV[3])
rcall('HSET', KEYS[1], 'leaseDeadline@' .. id, dl, 'updatedAt@' .. id, now)
rcall('ZADD', KEYS[2], dl, id)
-- A running job means its task is live: keep (or re-take) the repo lock for the task.
if rcall('GET', KEYS[3]) == st[3] then rcall('PEXPIRE', KEYS[3], ARGV[4])
else rcall('SET', KEYS[3], st[3], 'PX', ARGV[4], 'NX') end
return 1
