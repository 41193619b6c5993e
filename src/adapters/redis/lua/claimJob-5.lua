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
  ARGV[1] workerId  ARGV[2] lease token  ARGV[3] leaseMs  ARGV[4] stream capacity
  ARGV[5..] candidate job ids, oldest first
Output: { 1, now, D after, J before, jobId }: the task's changing fields D (without lockTtlMs) and the job's J
Errors: { -7, now }: no candidate is still pending (claimed or canceled meanwhile)
]]
local rcall = redis.call
local fmt, enc = string.format, cjson.encode
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = string.format('%d', now)
local D = {'id', 'repo', 'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored',
  'finishedAt', 'reason', 'supersededBy', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'stack', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local function read(key, j) -- one HMGET: the task's D (counters as numbers), then J of job j
  local f = {unpack(D)}; for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. j end
  local r = rcall('HMGET', key, unpack(f)); for i = 4, 10 do r[i] = tonumber(r[i]) end
  return r, {unpack(r, 15, 21)}
end
-- The pending set holds a job at most once; ZREM decides which claimer wins it. A pending status field in
-- KEYS[3] proves the candidate belongs to that task, so a wrong key can never drop a job from the queue.
local id, t, j
for i = 5, #ARGV do
  t, j = read(KEYS[3], ARGV[i])
  if j[1] == 'pending' and rcall('ZREM', KEYS[1], ARGV[i]) == 1 then id = ARGV[i]; break end
end
if not id then return {-7, now} end
local dl, att = string.format('%d', now + ARGV[3]), tonumber(j[4]) + 1; t[5], t[6] = t[5] - 1, t[6] + 1
rcall('HSET', KEYS[3], 'queued', t[5], 'running', t[6], 'status@' .. id, 'running', 'attempt@' .. id, att,
  'workerId@' .. id, ARGV[1], 'leaseToken@' .. id, ARGV[2], 'leaseDeadline@' .. id, dl, 'startedAt@' .. id, ns,
  'updatedAt@' .. id, ns)
rcall('ZADD', KEYS[2], dl, id)
if rcall('GET', KEYS[4]) == t[1] then rcall('PEXPIRE', KEYS[4], t[14]) end
-- job.started as queue-replies.ts builds it (exact trim, as RedisEventBus does)
rcall('XADD', KEYS[5], 'MAXLEN', '=', ARGV[4], '*', 'e', fmt('{"type":"job.started","jobId":%s,"taskId":%s,"repo":%s,'
  .. '"stack":%s,"attempt":%d,"workerId":%s,"occurredAt":%d,"counters":{"total":%d,"queued":%d,"running":%d,'
  .. '"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', enc(id), enc(t[1]), enc(t[2]), enc(j[3]), att,
  enc(ARGV[1]), now, unpack(t, 4, 10)))
return {1, now, {unpack(t, 1, 13)}, j, id}
