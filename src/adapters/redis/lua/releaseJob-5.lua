--[[
releaseJob: a draining worker hands its leased job back to the queue without counting the attempt.
Mirrors releaseJob (domain/job.ts) and counterDelta running → pending (domain/counters.ts).
Input:
  KEYS[1] task HASH (job fields `<field>@<jobId>`)  KEYS[2] leases ZSET  KEYS[3] task queue ZSET  KEYS[4] seq STRING
  KEYS[5] ready ZSET
  ARGV[1] jobId  ARGV[2] lease token  ARGV[3] wake channel  ARGV[4] taskId
Output: 1 = released, 0 = the token does not hold the lease (nothing changed)
Errors: none
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local id = ARGV[1]
local st = rcall('HMGET', KEYS[1], 'status@' .. id, 'leaseToken@' .. id, 'attempt@' .. id)
if st[1] ~= 'running' or st[2] ~= ARGV[2] then return 0 end
rcall('HSET', KEYS[1], 'status@' .. id, 'pending', 'attempt@' .. id, math.max(0, tonumber(st[3]) - 1),
  'queuedAt@' .. id, now, 'updatedAt@' .. id, now)
rcall('ZREM', KEYS[2], id)
local seq = rcall('INCR', KEYS[4]); rcall('ZADD', KEYS[3], seq, id) -- it left the queue when claimed: never twice
rcall('ZADD', KEYS[5], 'NX', seq, ARGV[4]) -- already in the ready index: its head is older
rcall('HINCRBY', KEYS[1], 'running', -1)
rcall('HINCRBY', KEYS[1], 'queued', 1)
rcall('PUBLISH', ARGV[3], '1')
return 1
