-- Fixed window aligned to the epoch, twin of dev.limiter.internal.FixedWindow.
-- Parameters a limit, b window in microseconds.
-- State: 'start:count' (epoch microseconds the window began, permits taken in it),
-- ':limit:window' when tagged. Under other numbers, the permits left in a window still
-- running carry over into the current window of the new length, at most the new limit: a
-- key never gains a permit because its policy changed, and loses only what a lower limit
-- takes away.

local function fixed_window_load(l)
  local window = l.b
  local current = now - floormod(now, window)
  local raw = rcall('GET', l.key)
  if not raw then return current, 0 end
  local f = fields(raw)
  local start, count = f[1], f[2]
  if f[4] and (f[3] ~= l.a or f[4] ~= window) then
    if now >= start + f[4] then return current, 0 end
    return current, l.a - min(max(0, f[3] - count), l.a)
  end
  if current > start then return current, 0 end
  return start, count
end

local function fixed_window_save(l, start, count)
  save(l.key, tag(l, format('%d:%d', start, count), l.a, l.b), start + l.b)
end

local function fixed_window(l, permits, commit)
  local limit, window = l.a, l.b
  local start, count = fixed_window_load(l)
  local allowed = count + permits <= limit
  if allowed and commit and permits > 0 then
    count = count + permits
    fixed_window_save(l, start, count)
  end
  local finish = start + window
  local retry, reset = 0, 0
  if not allowed then retry = finish - now end
  if count > 0 then reset = finish - now end
  local left = max(0, limit - count)
  return allowed, left, retry, reset, left, 1
end

-- Takes the permits out of the window they were charged in; once that window has ended
-- they are free again already.
local function fixed_window_refund(l, permits, charged_at)
  if rcall('EXISTS', l.key) == 0 then return end
  local start, count = fixed_window_load(l)
  if start ~= charged_at - floormod(charged_at, l.b) then return end
  fixed_window_save(l, start, max(0, count - permits))
end
