-- Entry point of the limiter script, after common.lua and the files of the algorithms it holds.
--
-- Each level of a request takes 2 fields of ARGV from 6 on: its policy, as
-- 'algorithm:tagged:a:b:c' ('1' tagged when its state records its numbers, a named policy;
-- a, b, c the algorithm's parameters, '' when unused), then its permits. Its KEYS, in order:
-- the state; the usage counters when usage retention is on; the sum of a sliding window log.
--
-- 'take' decides every level of a request on the state as it stands, then charges all of
-- them or none: nothing is written for a refused request. A bucket named by two levels is
-- asked for both levels' permits together. 'inspect' charges nothing; 'refund' gives back
-- what a take at ARGV 5 charged. The reply: now, then per level allowed (1/0), remaining,
-- retryAfter, resetAfter and, for 'inspect' only, tokens as numerator and denominator; Redis
-- turns each into an integer reply, exactly, since every one is a whole number below 2^53.

-- decide and refund map each algorithm id to its functions; LimiterScripts writes them
-- just before this file, for the algorithms the script holds.

local counting = usage_retention > 0

-- The levels of a batch mostly share their policies: each is read once per call.
local policies = {}
local function policy(spec)
  local p = policies[spec]
  if p then return p end
  local algorithm, tagged, a, b, c = string.match(spec, '^([%a-]+):([01]):(%d*):(%d*):(%d*)$')
  p = { algorithm = algorithm, decide = decide[algorithm], tagged = tagged == '1', a = tonumber(a), b = tonumber(b), c = tonumber(c) }
  policies[spec] = p
  return p
end

local levels, count = {}, 0
local k = 1
for i = 6, #ARGV, 2 do
  local p, key, usage, aux = policy(ARGV[i]), KEYS[k], nil, nil
  k = k + 1
  if counting then usage = KEYS[k]; k = k + 1 end
  if p.algorithm == 'sliding-window-log' then aux = KEYS[k]; k = k + 1 end
  count = count + 1
  levels[count] = {
    algorithm = p.algorithm, decide = p.decide, permits = tonumber(ARGV[i + 1]), tagged = p.tagged,
    a = p.a, b = p.b, c = p.c, key = key, usage = usage, aux = aux,
  }
end

local mode = ARGV[4]
if mode == 'refund' then
  local charged_at = tonumber(ARGV[5])
  for i = 1, count do
    local l = levels[i]
    refund[l.algorithm](l, l.permits, charged_at)
  end
  return { now }
end

-- Counts a decision in the level's usage hash: a = allowed, r = rejected, p = permits granted.
local function count_usage(l, allowed)
  if allowed then
    rcall('HINCRBY', l.usage, 'a', 1)
    rcall('HINCRBY', l.usage, 'p', l.permits)
  else
    rcall('HINCRBY', l.usage, 'r', 1)
  end
  rcall('PEXPIRE', l.usage, usage_retention)
end

-- Numbers per level in the reply: a take's callers read four, an inspection's six.
local width = mode == 'inspect' and 6 or 4

-- Decides levels first..last (with commit, charging them) and appends each level's numbers
-- to out; returns whether every level allowed. Cumulative: a bucket named by two
-- levels is asked for both levels' permits together.
local function run(first, last, commit, cumulative, out)
  local all, asked = true, nil
  if cumulative then asked = {} end
  local n = #out
  for i = first, last do
    local l = levels[i]
    local permits = l.permits
    if cumulative then
      permits = (asked[l.key] or 0) + permits
      asked[l.key] = permits
    end
    local allowed, remaining, retry, reset, tok_num, tok_den = l.decide(l, permits, commit)
    if not allowed then all = false end
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = allowed and 1 or 0, remaining, retry, reset
    if width == 6 then out[n + 5], out[n + 6] = tok_num, tok_den end
    n = n + width
  end
  return all
end

-- One request (levels first..last): inspected, or charged all-or-nothing; its reply
-- appended to out.
local function request(first, last, out)
  local head = #out + 1
  out[head] = now
  if mode == 'inspect' then run(first, last, false, false, out); return end
  if last > first then
    if not run(first, last, false, true, out) then
      if counting then for i = first, last do count_usage(levels[i], false) end end
      return
    end
    for i = #out, head + 1, -1 do out[i] = nil end
  end
  run(first, last, true, false, out)
  if counting then
    for i = first, last do count_usage(levels[i], out[head + 1 + (i - first) * width] == 1) end
  end
end

-- ARGV 5 '' : one request of every level. Else a batch of independent requests, each decided
-- on its own as above, in order: 'levels' or 'levels@now' (client time) per request, comma
-- separated; the reply concatenates each request's own reply.
local reply = {}
local batch = ARGV[5]
if batch == '' then
  request(1, count, reply)
  return reply
end
local first = 1
for size, at in string.gmatch(batch, '(%d+)@?(%d*)') do
  if at ~= '' then now = tonumber(at) end
  local last = first + tonumber(size) - 1
  request(first, last, reply)
  first = last + 1
end
return reply
