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
    rcall('HINCRBY', l.usage, 'a', 1)
    rcall('HINCRBY', l.usage, 'p', num(l.permits))
  else
    rcall('HINCRBY', l.usage, 'r', 1)
  end
  rcall('PEXPIRE', l.usage, num(usage_retention))
end

-- Decides group's levels (with commit, charging them) and appends each level's six numbers
-- to out; returns whether every level allowed.
local function run(group, commit, cumulative, out)
  local all, asked = true, cumulative and {} or nil
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
  return all
end

-- One request: inspected, or charged all-or-nothing; its reply appended to out.
local function request(group, out)
  local first = #out + 1
  out[first] = now
  if mode == 'inspect' then run(group, false, false, out); return end
  if #group > 1 then
    if not run(group, false, true, out) then
      for _, l in ipairs(group) do count_usage(l, false) end
      return
    end
    for i = #out, first + 1, -1 do out[i] = nil end
  end
  run(group, true, false, out)
  if usage_retention > 0 then
    for i, l in ipairs(group) do count_usage(l, out[first + 1 + (i - 1) * 6] == 1) end
  end
end

-- ARGV 5 '' : one request of every level. Else a batch of independent requests, each decided
-- on its own as above, in order: 'levels' or 'levels@now' (client time) per request, comma
-- separated; the reply concatenates each request's own reply.
local reply = {}
if ARGV[5] == '' then
  request(levels, reply)
  return reply
end
local first = 1
for count, at in string.gmatch(ARGV[5], '(%d+)@?(%d*)') do
  if at ~= '' then now = tonumber(at) end
  local group = {}
  count = tonumber(count)
  for i = 1, count do group[i] = levels[first + i - 1] end
  first = first + count
  request(group, reply)
end
return reply
