--[[
renewLock: extends the repo lock to ttlMs from now, only for its current owner (compare-and-set).
Mirrors the lock policy (domain/lock-policy.ts).
Input: KEYS[1] lock STRING (value = owner)
  ARGV[1] owner  ARGV[2] ttlMs
Output: 1 = renewed, 0 = the owner does not hold it (free, expired or taken)
Errors: none
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
rcall('PEXPIRE', KEYS[1], ARGV[2])
return 1
