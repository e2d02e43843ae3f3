-- Sliding window counter, twin of dev.limiter.internal.SlidingWindowCounter.
-- Parameters a limit, b window in microseconds, c scale (weights are in 1/scale steps).
-- State: 'start:current:previous' (epoch microseconds the current window began, permits
-- taken in it and in the window before), ':limit:window' when tagged. Under other numbers
-- the whole permits left now carry over, at most the new limit, as the count of the current
-- window of the new length (the previous window's weight folds into it): a key never gains
-- a permit because its policy changed, and loses only what a lower limit takes away.

local function sliding_window_counter_weight(window, scale, elapsed)
  return floordiv((window - elapsed) * scale, window)
end

-- The windows' start and counts at now.
local function sliding_window_counter_load(l)
  local window, scale = l.b, l.c
  local aligned = now - floormod(now, window)
  local raw = rcall('GET', l.key)
  if not raw then return aligned, 0, 0 end
  local f = fields(raw)
  local start, current, previous = f[1], f[2], f[3]
  local limit, old = f[4] or l.a, f[5] or window
  local old_aligned = now - floormod(now, old)
  if old_aligned > start then
    if old_aligned == start + old then previous = current else previous = 0 end
    current = 0
    start = old_aligned
  end
  if old ~= window or limit ~= l.a then
    local left = limit * scale - previous * sliding_window_counter_weight(old, scale, now - start) - current * scale
    return aligned, l.a - min(max(0, floordiv(left, scale)), l.a), 0
  end
  return start, current, previous
end

local function sliding_window_counter_idle_at(l, start, current)
  local window, scale = l.b, l.c
  local offset = window - ceildiv(window, scale) + 1
  if offset < 0 then offset = 0 end
  if offset > window then offset = window end
  if current > 0 then return start + window + offset end
  return start + offset
end

local function sliding_window_counter_save(l, start, current, previous)
  save(l.key, tag(l, format('%d:%d:%d', start, current, previous), l.a, l.b),
    sliding_window_counter_idle_at(l, start, current))
end

local function sliding_window_counter(l, permits, commit)
  local limit, window, scale = l.a, l.b, l.c
  local start, current, previous = sliding_window_counter_load(l)

  -- Smallest offset into a window whose weight is at most target; window when none is.
  local function first_offset_with_weight_at_most(target)
    if target >= scale then return 0 end
    local offset = window - ceildiv((target + 1) * window, scale) + 1
    if offset < 0 then return 0 end
    if offset > window then return window end
    return offset
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
  local weighted = previous * sliding_window_counter_weight(window, scale, elapsed)
  local allowed = weighted + (current + permits) * scale <= limit * scale
  if allowed and commit and permits > 0 then
    current = current + permits
    sliding_window_counter_save(l, start, current, previous)
  end
  local left = limit * scale - weighted - current * scale
  if left < 0 then left = 0 end
  local retry = 0
  if not allowed then retry = wait_for() end
  local reset = 0
  if current > 0 or previous > 0 then
    reset = sliding_window_counter_idle_at(l, start, current) - now
    if reset < 0 then reset = 0 end
  end
  return allowed, floordiv(left, scale), retry, reset, left, scale
end

-- Takes the permits out of the window they were charged in, which may be the previous
-- window by now; two windows later they no longer count anyway.
local function sliding_window_counter_refund(l, permits, charged_at)
  if rcall('EXISTS', l.key) == 0 then return end
  local start, current, previous = sliding_window_counter_load(l)
  local charged_start = charged_at - floormod(charged_at, l.b)
  if start == charged_start then
    current = max(0, current - permits)
  elseif start == charged_start + l.b then
    previous = max(0, previous - permits)
  else
    return
  end
  sliding_window_counter_save(l, start, current, previous)
end
