--[[
completeJob: the lease holder completes its job (counters move; the task finishes, lock released, if it was its last
job), claims the next one and appends their events to the stream, in one step. Mirrors completeJob/startJob (domain/
job.ts), counterDelta (domain/counters.ts), finishTaskIfDone (domain/task.ts), the events of queue-replies.ts.
Input: KEYS[1] task HASH (job fields `<field>@<jobId>`)  KEYS[2] lock  KEYS[3] active  KEYS[4] live ZSET
  KEYS[5] leases ZSET  KEYS[6] pending ZSET  KEYS[7] nextTask, KEYS[8] nextLock: the candidates'  KEYS[9] events
  ARGV[1] jobId  ARGV[2] token  ARGV[3] result JSON  ARGV[4] drifted 1|0  ARGV[5] retentionMs  ARGV[6] {status, kinds}
  JSON  ARGV[7] stream capacity  ARGV[8..10] next workerId, token, leaseMs  ARGV[11..] next candidates, oldest first
Output: { code, now, finished 1|0, D after, J before, nextCode, next jobId, next D after, next J before } (D, J below)
Errors: code -1 not found, -3 canceled (task ended), -2 lease lost; nextCode -7 all gone, 0 none asked (1 = done)
]]
local rcall = redis.call
local fmt, enc, id, tk = string.format, cjson.encode, ARGV[1], KEYS[1]
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = string.format('%d', now)
local D = {'id', 'repo', 'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored',
  'finishedAt', 'reason', 'supersededBy', 'lockTtlMs'}
local J = {'status', 'leaseToken', 'stack', 'attempt', 'startedAt', 'lastKind', 'lastMsg'}
local function read(key, a, b) -- one HMGET: the task's D (counters as numbers), then J of job a, and of job b if given
  local f = {unpack(D)}; for _, j in ipairs({a, b}) do for _, n in ipairs(J) do f[#f + 1] = n .. '@' .. j end end
  local r = rcall('HMGET', key, unpack(f)); for i = 4, 10 do r[i] = tonumber(r[i]) end
  return r, {unpack(r, 15, 21)}, {unpack(r, 22, 28)}
end
local function emit(t, head) -- XADD one event with t's counters (exact trim, as RedisEventBus does)
  rcall('XADD', KEYS[9], 'MAXLEN', '=', ARGV[7], '*', 'e', fmt('{%s,"occurredAt":%d,"counters":{"total":%d,"queued":%d,'
    .. '"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}', head, now, unpack(t, 4, 10)))
end
local function jobEvent(k, j, t, stack, more) return fmt('"type":"%s","jobId":%s,"taskId":%s,"repo":%s,"stack":%s,%s',
  k, enc(j), enc(t[1]), enc(t[2]), enc(stack), more) end
local same = KEYS[7] == tk and ARGV[11] -- then the first candidate's fields come with the job's
local finished, t, jr, cj = 0, read(tk, id, same or nil)
local code = not jr[1] and -1 or jr[1] == 'canceled' and -3 or (jr[2] ~= ARGV[2] or jr[1] ~= 'running') and -2 or 1
if code == 1 then
  t[6], t[7], t[9] = t[6] - 1, t[7] + 1, t[9] + tonumber(ARGV[4])
  local w = {'status@' .. id, 'completed', 'finishedAt@' .. id, ns, 'updatedAt@' .. id, ns, 'result@' .. id, ARGV[3]}
  if t[3] == 'running' and t[7] + t[8] >= t[4] then -- done: completed + failed >= total
    finished, t[3], t[11] = 1, t[8] > 0 and 'failed' or 'completed', ns
    if t[8] > 0 then t[12] = t[8] .. ' of ' .. t[4] .. ' jobs failed' end
    for _, i in ipairs({3, 11, 12}) do if t[i] then w[#w + 1] = D[i]; w[#w + 1] = t[i] end end
    for _, k in ipairs({KEYS[2], KEYS[3]}) do if rcall('GET', k) == t[1] then rcall('DEL', k) end end
    rcall('ZREM', KEYS[4], t[1]); rcall('PEXPIRE', tk, ARGV[5]) -- not live any more; kept for retention
  end
  rcall('HSET', tk, 'running', t[6], 'completed', t[7], 'drifted', t[9], unpack(w)); rcall('ZREM', KEYS[5], id)
  emit(t, jobEvent('job.completed', id, t, jr[3], string.sub(ARGV[6], 2, -2)))
  if finished == 1 then emit(t, fmt('"type":"task.finished","taskId":%s,"repo":%s,"status":"%s"%s', enc(t[1]),
    enc(t[2]), t[3], t[12] and ',"reason":' .. enc(t[12]) or '')) end
end
local nc, nid, nt, nj = #ARGV > 10 and -7 or 0, '', {}, {}
for i = 11, #ARGV do -- the first candidate still pending wins (its status in KEYS[7] proves it is that task's)
  if same and i == 11 then nt, nj = {unpack(t, 1, 14)}, cj else nt, nj = read(KEYS[7], ARGV[i]) end
  if nj[1] == 'pending' and rcall('ZREM', KEYS[6], ARGV[i]) == 1 then nc, nid = 1, ARGV[i]; break end
end
if nc == 1 then
  local dl, att = string.format('%d', now + ARGV[10]), tonumber(nj[4]) + 1; nt[5], nt[6] = nt[5] - 1, nt[6] + 1
  rcall('HSET', KEYS[7], 'queued', nt[5], 'running', nt[6], 'status@' .. nid, 'running', 'attempt@' .. nid, att,
    'workerId@' .. nid, ARGV[8], 'leaseToken@' .. nid, ARGV[9], 'leaseDeadline@' .. nid, dl, 'startedAt@' .. nid, ns,
    'updatedAt@' .. nid, ns); rcall('ZADD', KEYS[5], dl, nid)
  if rcall('GET', KEYS[8]) == nt[1] then rcall('PEXPIRE', KEYS[8], nt[14]) end -- the worker's heartbeat covers it
  emit(nt, jobEvent('job.started', nid, nt, nj[3], fmt('"attempt":%d,"workerId":%s', att, enc(ARGV[8]))))
end
return {code, now, finished, code == 1 and {unpack(t, 1, 13)} or {}, jr, nc, nid, {unpack(nt, 1, 13)}, nj}
