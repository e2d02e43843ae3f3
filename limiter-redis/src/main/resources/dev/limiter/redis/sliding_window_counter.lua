-- Sliding window counter, twin of dev.limiter.internal.SlidingWindowCounter.
-- ARGV 6 limit, 7 window in microseconds, 8 scale (weights are in 1/scale steps).
-- State: 'start:current:previous' (epoch microseconds the current window began, permits
-- taken in it and in the window before).
local limit, window, scale = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local aligned = now - floormod(now, window)
local start, current, previous = aligned, 0, 0
local raw = redis.call('GET', key)
if raw then
  local f = fields(raw)
  start, current, previous = f[1], f[2], f[3]
end

if aligned > start then
  if aligned == start + window then previous = current else previous = 0 end
  current = 0
  start = aligned
end

local function weight(elapsed)
  return floordiv((window - elapsed) * scale, window)
end

-- Smallest offset into a window whose weight is at most target; window when none is.
local function first_offset_with_weight_at_most(target)
  if target >= scale then return 0 end
  local offset = window - ceildiv((target + 1) * window, scale) + 1
  if offset < 0 then return 0 end
  if offset > window then return window end
  return offset
end

-- When the estimate reaches zero: the previous window's weight, or this one's once it is
-- previous, hits 0.
local function idle_at()
  if current > 0 then return start + window + first_offset_with_weight_at_most(0) end
  return start + first_offset_with_weight_at_most(0)
end

local function wait_for()
  if current + permits <= limit then
    local offset = first_offset_with_weight_at_most(floordiv((limit - current - permits) * scale, previous))
    if offset < window then return start + offset - now end
    return start + window - now
  end
  local offset = first_offset_with_weight_at_most(floordiv((limit - permits) * scale, current))
  if offset < window then return start + window + offset - now end
  return start + 2 * window - now
end

local elapsed = now - start
if elapsed < 0 then elapsed = 0 end
local weighted = previous * weight(elapsed)
local allowed = weighted + (current + permits) * scale <= limit * scale
if allowed and commit and permits > 0 then
  current = current + permits
  save(key, num(start) .. ':' .. num(current) .. ':' .. num(previous), idle_at())
end
local left = limit * scale - weighted - current * scale
if left < 0 then left = 0 end
local retry = 0
if not allowed then retry = wait_for() end
local reset = 0
if current > 0 or previous > 0 then
  reset = idle_at() - now
  if reset < 0 then reset = 0 end
end
return reply(allowed, floordiv(left, scale), retry, reset, left, scale)
