--[[ settleJobs: lease holders of task T complete their jobs (T ends at its last); m claimers lease the oldest pending
jobs of C, the ready head (malformed ones to the back), renewing C's lock each quarter TTL; C's ready score stays its
first job's while its head is one its start enqueued. Stream entry s: [now, T, T's counters, C, C's, counterless events]
Input: KEYS[1] ready ZSET  KEYS[2] leases ZSET  KEYS[3] events  KEYS[4] C HASH  KEYS[5] C queue ZSET  KEYS[6] C lock
  KEYS[7] T HASH  KEYS[8] T lock  KEYS[9] T active  KEYS[10] live  KEYS[11] seq (T's = C's when k = 0, and back)
  ARGV[1] stream cap  ARGV[2] retentionMs  ARGV[3] T id  ARGV[4] task.finished head  ARGV[5] C id  ARGV[6] job.started
  head  ARGV[7] k  ARGV[8] m; 5 per complete (jobId, token, result, drifted 1|0, job.completed JSON), 4 per claimer
  (workerId, its JSON, token, leaseMs)
Output: flat { now, head, finished at (0 = no), reason, claim code, T's D before (8), a code per complete, C's D before
  (8, when the claim code is 1), 5 per claimer served (jobId, attempt before, lastKind, lastMsg, stack) }
Errors: complete -1 not found, -3 canceled, -2 lease lost, -10 malformed; claim -11 C not head, -10 malformed, 0 none ]]
local rcall = redis.call; local tm = rcall('TIME'); local now = tm[1] * 1000 + math.floor(tm[2] / 1000)
local fmt, k, m, ns, EV = string.format, tonumber(ARGV[7]), tonumber(ARGV[8]), string.format('%d', now), {}
local D = {'status', 'total', 'queued', 'running', 'completed', 'failed', 'drifted', 'errored', 'lockTtlMs'}
D[10], D[11] = 'seqEnd', 'lockAt'; local function push(l, ...) for _, v in ipairs({...}) do l[#l + 1] = v end end
local function task(key, F) local r = rcall('HMGET', key, unpack(D, 1, 11 + #F)); r.ok, r.raw = true, {unpack(r, 2, 8)}
  for i = 2, 11 do r[i] = tonumber(r[i]) or (i > 9 and 0 or nil); r.ok = r.ok and r[i] ~= nil end return r end
for e = 1, k do D[10 + 2 * e], D[11 + 2 * e] = 'status@' .. ARGV[4 + 5 * e], 'leaseToken@' .. ARGV[4 + 5 * e] end
local t = task(KEYS[7], {unpack(D, 12)}); local tb, out, w, z, fin, reason = {unpack(t, 1, 8)}, {}, {}, {}, 0, ''
for e = 1, k do local a, s = 4 + 5 * e, t[10 + 2 * e]; local id, o = ARGV[a], t[11 + 2 * e] -- o: its lease token
  local rc = not s and -1 or s == 'canceled' and -3 or (o ~= ARGV[a + 1] or s ~= 'running') and -2 or t.ok and 1 or -10
  if rc == 1 then t[4], t[5], t[7], z[#z + 1] = t[4] - 1, t[5] + 1, t[7] + ARGV[a + 3], id; EV[#EV + 1] = ARGV[a + 4]
    push(w, 'status@' .. id, 'completed', 'finishedAt@' .. id, ns, 'result@' .. id, ARGV[a + 2]) -- updatedAt: latest
    if t[1] == 'running' and t[5] + t[6] >= t[2] then -- done: completed + failed >= total
      fin, t[1] = e, t[6] > 0 and 'failed' or 'completed'; push(w, 'status', t[1], 'finishedAt', ns)
      if t[6] > 0 then reason = t[6] .. ' of ' .. t[2] .. ' jobs failed'; push(w, 'reason', reason) end
      for _, key in ipairs({KEYS[8], KEYS[9]}) do if rcall('GET', key) == ARGV[3] then rcall('DEL', key) end end
      rcall('ZREM', KEYS[10], ARGV[3]) -- not live any more: kept for the retention (PEXPIRE below)
      EV[#EV + 1] = fmt('{%s,"status":"%s"%s}', ARGV[4], t[1], reason ~= '' and ',"reason":"' .. reason .. '"' or '')
    end end out[e] = rc end
if #z > 0 then rcall('ZREM', KEYS[2], unpack(z)); if fin > 0 then rcall('PEXPIRE', KEYS[7], ARGV[2]) end end
local function save(key, c) if #w > 0 then rcall('HSET', key, D[3], c[3], D[4], c[4], D[5], c[5], D[7], c[7], unpack(w))
  end w = {} end -- one HSET per task: T's writes wait for C's when they are one task
local head, x, got, n = rcall('ZRANGE', KEYS[1], 0, 0)[1] or '', 5 + 5 * k, {}, 0
local c = m == 0 and {0} or head ~= ARGV[5] and {-11} or KEYS[4] == KEYS[7] and t or task(KEYS[4], {})
if c.ok ~= nil and not (c.ok and c[1] == 'running') then c = {-10} end; local cb = c.ok and {unpack(c, 1, 8)} or {}
if not (c.ok and KEYS[4] == KEYS[7]) then save(KEYS[7], t) end -- C's jobs, then a retried one's last failure:
if c.ok then z = {}; local p, g, bad, r = rcall('ZPOPMIN', KEYS[5], m), {}, {}, {}; for i = 1, #p, 2 do local id = p[i]
  push(g, 'status@' .. id, 'attempt@' .. id, 'stack@' .. id) end; if p[1] then r = rcall('HMGET', KEYS[4], unpack(g)) end
  for i = 1, #p, 2 do local o, id = 3 * (i - 1) / 2, p[i]
    if r[o + 1] == 'pending' and tonumber(r[o + 2]) and r[o + 3] then n = n + 1; local a, att = x + 4 * n, r[o + 2] + 1
      local f = att > 1 and rcall('HMGET', KEYS[4], 'lastKind@' .. id, 'lastMsg@' .. id) or {}
      local dl = fmt('%d', now + ARGV[a + 3]); push(z, dl, id); c[3], c[4] = c[3] - 1, c[4] + 1
      push(got, id, att - 1, f[1] or false, f[2] or false, r[o + 3])
      push(w, 'status@' .. id, 'running', 'attempt@' .. id, att, 'workerId@' .. id, ARGV[a], 'leaseToken@' .. id,
        ARGV[a + 2], 'leaseDeadline@' .. id, dl, 'startedAt@' .. id, ns) -- of updatedAt, startedAt, finishedAt
      EV[#EV + 1] = fmt('{%s,"workerId":%s,"jobId":%s,"stack":%s,"attempt":%d}', ARGV[6], ARGV[a + 1], cjson.encode(id),
        cjson.encode(r[o + 3]), att)
    elseif r[o + 1] == 'pending' then push(bad, rcall('INCR', KEYS[11]), id) end end -- else a stale entry: dropped
  if n > 0 and now - c[11] >= c[9] / 4 and rcall('GET', KEYS[6]) == ARGV[5] then -- C's lock: every quarter TTL
    rcall('PEXPIRE', KEYS[6], c[9]); push(w, 'lockAt', ns) end; if #bad > 0 then rcall('ZADD', KEYS[5], unpack(bad)) end
  save(KEYS[4], c); if n > 0 then rcall('ZADD', KEYS[2], unpack(z)) end
  if n < m or #bad > 0 or tonumber(p[#p]) >= c[10] then local nh = rcall('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
    if nh[1] then rcall('ZADD', KEYS[1], nh[2], ARGV[5]) else rcall('ZREM', KEYS[1], ARGV[5]) end
    head = nh[1] and ARGV[5] or rcall('ZRANGE', KEYS[1], 0, 0)[1] or '' end end
local function raw(x) return '[' .. (x.ok and table.concat(x.raw, ',') or '') .. ']' end -- counters as stored
if #EV > 0 then rcall('XADD', KEYS[3], 'MAXLEN', '=', ARGV[1], '*', 's', table.concat({'[' .. ns, cjson.encode(ARGV[3]),
  raw(t), cjson.encode(ARGV[5]), raw(c), table.concat(EV, ',')}, ',') .. ']') end
local R = {now, head, fin, reason, c.ok and 1 or c[1]}; for i = 1, 8 do R[5 + i] = tb[i] or false end -- flat:
for _, l in ipairs({out, cb, got}) do for i = 1, #l do R[#R + 1] = l[i] end end return R -- nested tables cost more
