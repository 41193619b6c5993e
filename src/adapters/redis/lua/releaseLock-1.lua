--[[
releaseLock: frees the repo lock, only for its current owner (compare-and-set).
Mirrors the lock policy (domain/lock-policy.ts).
Input: KEYS[1] lock STRING (value = owner)
  ARGV[1] owner
Output: 1 = released, 0 = the owner does not hold it (nothing changed)
Errors: none
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) ~= ARGV[1] then return 0 end
rcall('DEL', KEYS[1])
return 1
