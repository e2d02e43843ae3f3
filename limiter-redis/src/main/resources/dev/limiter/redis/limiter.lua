-- Entry point of the limiter script, after common.lua and the files of the algorithms it holds.
--
-- Each level of a request takes 6 fields of ARGV from 6 on: algorithm id, permits, '1' when
-- its state records its numbers (a named policy), and the algorithm's parameters a, b, c
-- ('' when unused). Its KEYS, in order: the state; the usage counters when usage retention
-- is on; the sum of a sliding window log.
--
-- 'take' decides every level of a request on the state as it stands, then charges all of
-- them or none: nothing is written for a refused request. A bucket named by two levels is
-- asked for both levels' permits together. 'inspect' charges nothing; 'refund' gives back
-- what a take at ARGV 5 charged. The reply: now, then per level allowed (1/0), remaining, retryAfter,
-- resetAfter, tokens as numerator and denominator; Redis turns each into an integer reply,
-- exactly, since every one is a whole number below 2^53.

-- decide and refund map each algorithm id to its functions; LimiterScripts writes them
-- just before this file, for the algorithms the script holds.

local levels = {}
local k = 1
for i = 6, #ARGV, 6 do
  local l = {
    algorithm = ARGV[i], permits = tonumber(ARGV[i + 1]), tagged = ARGV[i + 2] == '1',
    a = tonumber(ARGV[i + 3]), b = tonumber(ARGV[i + 4]), c = tonumber(ARGV[i + 5]), key = KEYS[k],
  }
  k = k + 1
  if usage_retention > 0 then l.usage = KEYS[k]; k = k + 1 end
  if l.algorithm == 'sliding-window-log' then l.aux = KEYS[k]; k = k + 1 end
  levels[#levels + 1] = l
end

local mode = ARGV[4]
if mode == 'refund' then
  local charged_at = tonumber(ARGV[5])
  for _, l in ipairs(levels) do refund[l.algorithm](l, l.permits, charged_at) end
  return { now }
end

-- Counts a decision in the level's usage hash: a = allowed, r = rejected, p = permits granted.
local function count_usage(l, allowed)
  if usage_retention <= 0 then return end
  if allowed then
    redis.call('HINCRBY', l.usage, 'a', 1)
    redis.call('HINCRBY', l.usage, 'p', num(l.permits))
  else
    redis.call('HINCRBY', l.usage, 'r', 1)
  end
  redis.call('PEXPIRE', l.usage, num(usage_retention))
end

local function run(group, commit, cumulative)
  local out, all = { now }, true
  local asked = {}
  for _, l in ipairs(group) do
    local permits = l.permits
    if cumulative then
      permits = (asked[l.key] or 0) + permits
      asked[l.key] = permits
    end
    local allowed, remaining, retry, reset, tok_num, tok_den = decide[l.algorithm](l, permits, commit)
    all = all and allowed
    local n = #out
    out[n + 1], out[n + 2], out[n + 3] = allowed and 1 or 0, remaining, retry
    out[n + 4], out[n + 5], out[n + 6] = reset, tok_num, tok_den
  end
  return out, all
end

-- One request: inspected, or charged all-or-nothing.
local function request(group)
  if mode == 'inspect' then return (run(group, false, false)) end
  if #group > 1 then
    local checked, all = run(group, false, true)
    if not all then
      for _, l in ipairs(group) do count_usage(l, false) end
      return checked
    end
  end
  local out = run(group, true, false)
  for i, l in ipairs(group) do count_usage(l, out[2 + (i - 1) * 6] == 1) end
  return out
end

-- ARGV 5 '' : one request of every level. Else a batch of independent requests, each decided
-- on its own as above, in order: 'levels' or 'levels@now' (client time) per request, comma
-- separated; the reply concatenates each request's own reply.
if ARGV[5] == '' then return request(levels) end
local reply, first = {}, 1
for count, at in string.gmatch(ARGV[5], '(%d+)@?(%d*)') do
  if at ~= '' then now = tonumber(at) end
  local group = {}
  for i = first, first + tonumber(count) - 1 do group[#group + 1] = levels[i] end
  first = first + tonumber(count)
  for _, v in ipairs(request(group)) do reply[#reply + 1] = v end
end
return reply
