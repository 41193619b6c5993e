--[[
acquireLock: takes the repo lock for an owner if it is free (or expired: Redis dropped it), or extends it
when the owner already holds it. Mirrors the lock policy (domain/lock-policy.ts): owner compare-and-set.
Input: KEYS[1] lock STRING (value = owner)
  ARGV[1] owner  ARGV[2] ttlMs
Output: 1 = the owner holds the lock now, 0 = someone else does
Errors: none
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) == ARGV[1] then rcall('PEXPIRE', KEYS[1], ARGV[2]); return 1 end
if rcall('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0
