--[[
claimJob: leases one pending job (the first still pending of the candidates the caller read from the queue
head, all of one task) to a worker.
Mirrors startJob (src/domain/job.ts) and counterDelta pending → running (src/domain/counters.ts);
also extends the repo lock when the job's task holds it (the worker's heartbeat covers the lock).
Input:
  KEYS[1] pending  ZSET pending job ids by enqueue sequence
  KEYS[2] leases   ZSET running job ids by lease deadline
  KEYS[3] task     HASH the candidate's task record (job fields are `<field>@<jobId>`)
  KEYS[4] lock     STRING the candidate's repo lock (value = owner task id)
  ARGV[1] workerId  ARGV[2] lease token  ARGV[3] leaseMs  ARGV[4..] candidate job ids, oldest first
Output: { 1, now, taskFields(TF), jobFields(JF), jobId }
Errors: { -7, now }: no candidate is still pending (claimed or canceled meanwhile)
]]
local rcall = redis.call
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local TF = {'id', 'repo', 'status', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'finishedAt',
  'reason', 'supersededBy', 'maxAttempts', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored'}
local JF = {'status', 'attempt', 'stack', 'queuedAt', 'updatedAt', 'workerId', 'leaseToken', 'leaseDeadline',
  'startedAt', 'finishedAt', 'result', 'failKind', 'failMsg', 'lastKind', 'lastMsg', 'reason'}
-- The pending set holds a job at most once; ZREM decides which claimer wins it. A pending status field in
-- KEYS[3] proves the candidate belongs to that task, so a wrong key can never drop a job from the queue.
local id
for i = 4, #ARGV do
  if rcall('HGET', KEYS[3], 'status@' .. ARGV[i]) == 'pending' and rcall('ZREM', KEYS[1], ARGV[i]) == 1 then
    id = ARGV[i]; break
  end
end
if not id then return {-7, now} end
local dl = now + tonumber(ARGV[3])
rcall('HSET', KEYS[3], 'status@' .. id, 'running', 'workerId@' .. id, ARGV[1], 'leaseToken@' .. id, ARGV[2],
  'leaseDeadline@' .. id, dl, 'startedAt@' .. id, now, 'updatedAt@' .. id, now)
rcall('ZADD', KEYS[2], dl, id)
for f, d in pairs({queued = -1, running = 1, ['attempt@' .. id] = 1}) do rcall('HINCRBY', KEYS[3], f, d) end
local tl = rcall('HMGET', KEYS[3], 'id', 'lockTtlMs')
if rcall('GET', KEYS[4]) == tl[1] then rcall('PEXPIRE', KEYS[4], tl[2]) end
local jf = {}
for i, n in ipairs(JF) do jf[i] = n .. '@' .. id end
return {1, now, rcall('HMGET', KEYS[3], unpack(TF)), rcall('HMGET', KEYS[3], unpack(jf)), id}
