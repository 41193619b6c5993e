--[[
claimJob: leases one pending job (the first still pending of the candidates the caller read from the queue
head, all of one task) to a worker, and appends its job.started event to the stream.
Mirrors startJob (src/domain/job.ts) and counterDelta pending → running (src/domain/counters.ts);
also extends the repo lock when the job's task holds it (the worker's heartbeat covers the lock).
Input:
  KEYS[1] pending  ZSET pending job ids by enqueue sequence
  KEYS[2] leases   ZSET running job ids by lease deadline
  KEYS[3] task     HASH the candidate's task record (job fields are `<field>@<jobId>`)
  KEYS[4] lock     STRING the candidate's repo lock (value = owner task id)
  KEYS[5] events   STREAM domain events
  ARGV[1] workerId  ARGV[2] lease token  ARGV[3] leaseMs  ARGV[4] stream capacity  ARGV[5] taskId
  ARGV[6] job.started's shared members (JSON)  ARGV[7..] candidate job ids, oldest first, each followed by its
  job.started members (jobId, stack)
Output: { 1, now, D after, J before, jobId }: the task's changing fields D (without lockTtlMs) and the job's J
Errors: { -7, now }: no candidate is still pending (claimed or canceled meanwhile)
]]
local rcall = redis.call
local fmt = string.format
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = fmt('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local function read(key, j) -- one HMGET: the task's D (counters as numbers), then J of job j
  local f = {unpack(D)}; for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. j end
  local r = rcall('HMGET', key, unpack(f)); r.ok = true -- ok: counters and lockTtlMs are numbers
  for i = 2, 9 do r[i] = tonumber(r[i]); r.ok = r.ok and r[i] ~= nil end
  return r, {unpack(r, 10, 15)}
end
-- The pending set holds a job at most once; ZREM decides which claimer wins it. A pending status field in
-- KEYS[3] proves the candidate belongs to that task, so a wrong key can never drop a job from the queue; a
-- malformed record (t.ok, attempt) stays queued: nothing after the ZREM can raise (no rollback in Lua).
local at, t, j
for i = 7, #ARGV, 2 do
  t, j = read(KEYS[3], ARGV[i])
  if j[1] == 'pending' and t.ok and tonumber(j[3]) and rcall('ZREM', KEYS[1], ARGV[i]) == 1 then at = i; break end
end
if not at then return {-7, now} end
local id, dl, att = ARGV[at], fmt('%d', now + ARGV[3]), tonumber(j[3]) + 1
t[3], t[4] = t[3] - 1, t[4] + 1
rcall('HSET', KEYS[3], 'queued', t[3], 'running', t[4], 'status@' .. id, 'running', 'attempt@' .. id, att,
  'workerId@' .. id, ARGV[1], 'leaseToken@' .. id, ARGV[2], 'leaseDeadline@' .. id, dl, 'startedAt@' .. id, ns,
  'updatedAt@' .. id, ns)
rcall('ZADD', KEYS[2], dl, id)
if rcall('GET', KEYS[4]) == ARGV[5] then rcall('PEXPIRE', KEYS[4], t[9]) end
-- job.started as queue-replies.ts builds it (exact trim, as RedisEventBus does)
rcall('XADD', KEYS[5], 'MAXLEN', '=', ARGV[4], '*', 'e', fmt('{%s,%s,"attempt":%d,"occurredAt":%d,"counters":{'
  .. '"total":%d,"queued":%d,"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', ARGV[6],
  ARGV[at + 1], att, now, unpack(t, 2, 8)))
return {1, now, {unpack(t, 1, 8)}, j, id}
