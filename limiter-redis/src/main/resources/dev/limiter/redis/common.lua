-- Shared prelude of the limiter script: arithmetic, time and the state helpers every
-- algorithm uses. The algorithms' files follow it, each defining its twin as a local
-- function, and limiter.lua (the entry point) comes last.
--
-- ARGV: 1 now in epoch microseconds ('' = read Redis TIME), 2 TTL slack in microseconds,
-- 3 usage retention in milliseconds (0 = no usage counters), 4 mode ('take', 'inspect' or
-- 'refund'), 5 for a refund the time its charge was made at, else '' or the requests of a
-- batch, then 2 fields per level (see limiter.lua).
--
-- Lua numbers are doubles: every quantity stays below 2^53, division goes through the exact
-- helpers below, and numbers are written with '%d' (exact, where tostring keeps only 14 digits,
-- and a third of the cost of '%.0f'), one format per state, or passed to redis.call as numbers
-- (which Redis prints with 17 digits).

if redis.replicate_commands then redis.replicate_commands() end

-- Globals read once: a local is a register, a global a table lookup.
local rcall, floor, format, min, max, tonumber = redis.call, math.floor, string.format, math.min, math.max, tonumber
local ARGV, KEYS = ARGV, KEYS

local function floordiv(a, b)
  local q = floor(a / b)
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
  return format('%d', x)
end

local now
if ARGV[1] == '' then
  local t = rcall('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local slack = tonumber(ARGV[2])
local usage_retention = tonumber(ARGV[3])

-- Stores value at k until idle_at (epoch microseconds, when the bucket behaves like a new
-- one again) plus the slack; deletes k when that moment has passed.
local function save(k, value, idle_at)
  local ttl = ceildiv(idle_at - now + slack, 1000)
  if ttl > 0 then
    rcall('SET', k, value, 'PX', ttl)
  else
    rcall('DEL', k)
  end
end

-- Splits 'a:b:c' into numbers (plain find: no pattern, no iterator).
local find, sub = string.find, string.sub
local function fields(raw)
  local out, n, pos = {}, 0, 1
  while true do
    local stop = find(raw, ':', pos, true)
    n = n + 1
    if not stop then
      out[n] = tonumber(sub(raw, pos))
      return out
    end
    out[n] = tonumber(sub(raw, pos, stop - 1))
    pos = stop + 1
  end
end

-- The first two or three numbers of 'a:b' or 'a:b:c' (the third nil when absent), without
-- the table fields builds.
local function fields3(raw)
  local p = find(raw, ':', 1, true)
  local q = find(raw, ':', p + 1, true)
  if not q then return tonumber(sub(raw, 1, p - 1)), tonumber(sub(raw, p + 1)), nil end
  local r = find(raw, ':', q + 1, true)
  return tonumber(sub(raw, 1, p - 1)), tonumber(sub(raw, p + 1, q - 1)), tonumber(sub(raw, q + 1, r and r - 1))
end

-- A named policy keeps its buckets when its numbers change, so its state records the
-- numbers it was written under (l.tagged): value followed by ':n1:n2...'. Unnamed policies'
-- keys already name their numbers, so their state stays as short as before.
local function tag(l, value, n1, n2)
  if not l.tagged then return value end
  if n2 then return value .. format(':%d:%d', n1, n2) end
  return value .. format(':%d', n1)
end

-- Every algorithm is a local function (l, permits, commit) -> allowed, remaining,
-- retryAfter, resetAfter, tokens as numerator and denominator; l is the level (key, aux,
-- tagged, a, b, c = the algorithm's integer parameters). Its refund (l, permits, charged_at)
-- gives back permits a take made at charged_at, where the state still holds them.
