--[[
renewTaskLock: serve's heartbeat for a live task: extends the repo lock the task holds, or re-takes it when it
expired and nobody else took it. Does nothing for a task that already ended, so a late heartbeat never
re-locks a repo. Mirrors isActiveTask (domain/task.ts) and the lock policy (domain/lock-policy.ts).
Input: KEYS[1] task HASH  KEYS[2] lock STRING (value = owner task id)
  ARGV[1] lockTtlMs
Output: 1 = the task holds the lock for ttl from now, 0 = the task is not live or another owner holds the lock
Errors: none
]]
local rcall = redis.call
local t = rcall('HMGET', KEYS[1], 'id', 'status')
if t[2] ~= 'running' and t[2] ~= 'created' then return 0 end
if rcall('GET', KEYS[2]) == t[1] then rcall('PEXPIRE', KEYS[2], ARGV[1]); return 1 end
if rcall('SET', KEYS[2], t[1], 'PX', ARGV[1], 'NX') then return 1 end
return 0
