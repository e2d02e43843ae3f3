-- Shared prelude of every limiter script; the algorithm's file is appended after it.
--
-- KEYS[1] state, KEYS[2] usage counters, KEYS[3] auxiliary state (sliding window log sum);
-- all three share one hash tag, so one slot.
-- ARGV: 1 permits, 2 commit (1 = take, 0 = inspect), 3 now in epoch microseconds
-- ('' = read Redis TIME), 4 TTL slack in microseconds, 5 usage retention in milliseconds
-- (0 = no usage counters), 6.. the algorithm's integer parameters.
--
-- Lua numbers are doubles: every quantity stays below 2^53, division goes through the exact
-- helpers below, and numbers are written with '%.0f' (tostring keeps only 14 digits).

if redis.replicate_commands then redis.replicate_commands() end

local function floordiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then
    q = q - 1
  elseif (q + 1) * b <= a then
    q = q + 1
  end
  return q
end

local function ceildiv(a, b)
  return -floordiv(-a, b)
end

local function floormod(a, b)
  return a - floordiv(a, b) * b
end

local function num(x)
  return string.format('%.0f', x)
end

local key = KEYS[1]
local permits = tonumber(ARGV[1])
local commit = ARGV[2] == '1'
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local slack = tonumber(ARGV[4])
local usage_retention = tonumber(ARGV[5])

-- Stores value at k until idle_at (epoch microseconds, when the bucket behaves like a new
-- one again) plus the slack; deletes k when that moment has passed.
local function save(k, value, idle_at)
  local ttl = ceildiv(idle_at - now + slack, 1000)
  if ttl > 0 then
    redis.call('SET', k, value, 'PX', num(ttl))
  else
    redis.call('DEL', k)
  end
end

-- Splits 'a:b:c' into numbers.
local function fields(raw)
  local out = {}
  for part in string.gmatch(raw, '[^:]+') do
    out[#out + 1] = tonumber(part)
  end
  return out
end

-- Counts the decision in the usage hash: a = allowed, r = rejected, p = permits granted.
local function count_usage(allowed)
  if usage_retention <= 0 or not commit then return end
  if allowed then
    redis.call('HINCRBY', KEYS[2], 'a', 1)
    redis.call('HINCRBY', KEYS[2], 'p', num(permits))
  else
    redis.call('HINCRBY', KEYS[2], 'r', 1)
  end
  redis.call('PEXPIRE', KEYS[2], num(usage_retention))
end

-- The reply: allowed, remaining, retryAfter, resetAfter, tokens as numerator and
-- denominator (exact), and the time the decision was made at. Redis turns each number into
-- an integer reply, exactly, since every one is a whole number below 2^53.
local function reply(allowed, remaining, retry, reset, tok_num, tok_den)
  count_usage(allowed)
  return { allowed and 1 or 0, remaining, retry, reset, tok_num, tok_den, now }
end

