--[[
claimJobs: leases the oldest pending jobs of task C, the head of the ready index, to up to m claimers in order (one
job each), extends C's repo lock (the workers' heartbeat covers it), moves C in the ready index to its queue's new
head, and appends each job.started to the stream (trimmed once). A malformed pending job stays queued, skipped.
Mirrors startJob (domain/job.ts) and counterDelta pending -> running (domain/counters.ts).
Input: KEYS[1] ready ZSET (task ids by the enqueue sequence of their oldest pending job)  KEYS[2] leases ZSET
  KEYS[3] C HASH  KEYS[4] C queue ZSET (pending job ids by enqueue sequence)  KEYS[5] C lock  KEYS[6] events STREAM
  ARGV[1] stream capacity  ARGV[2] C id  ARGV[3] job.started members of C  ARGV[4] m; then 4 per claimer:
  workerId, its JSON string, lease token, leaseMs
Output: { 1, now, ready head after, C's D before, per claimer { jobId, attempt before, lastKind, lastMsg } or
  { false } when C's queue ran out }: the caller replays the counters claim by claim
Errors: { -11, now, head }: C is not the head of the ready index (ask again with head; '' = nothing pending);
  { -10, now, head }: C's record is malformed: nothing claimed, its jobs stay queued
]]
local rcall = redis.call
local fmt, m = string.format, tonumber(ARGV[4])
local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000); local ns = fmt('%d', now)
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
local head = rcall('ZRANGE', KEYS[1], 0, 0)[1] or ''
if head ~= ARGV[2] then return {-11, now, head} end
local c = rcall('HMGET', KEYS[3], unpack(D)); local ok = c[1] == 'running'
for i = 2, 9 do c[i] = tonumber(c[i]); ok = ok and c[i] ~= nil end
if not ok then return {-10, now, head} end
local before, out, w, z, bad, n = {unpack(c, 1, 8)}, {}, {}, {}, {}, 0
for _ = 1, 4 do local want = m - n -- pops again only past malformed jobs
  local p, g = rcall('ZPOPMIN', KEYS[4], want), {}
  for i = 1, #p, 2 do for _, x in ipairs({'status@', 'attempt@', 'lastKind@', 'lastMsg@', 'stack@'}) do g[#g + 1] = x .. p[i] end end
  local r = #g > 0 and rcall('HMGET', KEYS[3], unpack(g)) or {}
  for i = 1, #p, 2 do local o, id = 5 * (i - 1) / 2, p[i]
    if r[o + 1] == 'pending' and tonumber(r[o + 2]) and r[o + 5] then n = n + 1
      local a, att = 1 + 4 * n, tonumber(r[o + 2]) + 1; local dl = fmt('%d', now + ARGV[a + 3])
      c[3], c[4], z[#z + 1], z[#z + 2] = c[3] - 1, c[4] + 1, dl, id
      for _, v in ipairs({'status@' .. id, 'running', 'attempt@' .. id, att, 'workerId@' .. id, ARGV[a], 'leaseToken@' .. id,
        ARGV[a + 2], 'leaseDeadline@' .. id, dl, 'startedAt@' .. id, ns, 'updatedAt@' .. id, ns}) do w[#w + 1] = v end
      rcall('XADD', KEYS[6], '*', 'e', fmt('{%s,"workerId":%s,"jobId":%s,"stack":%s,"attempt":%d,"occurredAt":%s,'
        .. '"counters":{"total":%d,"queued":%d,"running":%d,"completed":%d,"failed":%d,"drifted":%d,"errored":%d}}',
        ARGV[3], ARGV[a + 1], cjson.encode(id), cjson.encode(r[o + 5]), att, ns, unpack(c, 2, 8)))
      out[n] = {id, att - 1, r[o + 3] or false, r[o + 4] or false}
    elseif r[o + 1] == 'pending' then bad[#bad + 1], bad[#bad + 2] = p[i + 1], id end -- else a stale entry: dropped
  end
  if n == m or #p < 2 * want then break end
end
if #bad > 0 then rcall('ZADD', KEYS[4], unpack(bad)) end -- malformed: back in their place, still queued
for i = n + 1, m do out[i] = {false} end
if n > 0 then
  rcall('HSET', KEYS[3], 'queued', c[3], 'running', c[4], unpack(w)); rcall('ZADD', KEYS[2], unpack(z))
  if rcall('GET', KEYS[5]) == ARGV[2] then rcall('PEXPIRE', KEYS[5], c[9]) end
  rcall('XTRIM', KEYS[6], 'MAXLEN', '=', ARGV[1]) -- exact, as RedisEventBus trims
end
local nh = rcall('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES') -- C's place in the ready index: its queue's head
if nh[1] then rcall('ZADD', KEYS[1], nh[2], ARGV[2]) else rcall('ZREM', KEYS[1], ARGV[2]) end
return {1, now, rcall('ZRANGE', KEYS[1], 0, 0)[1] or '', before, out}
