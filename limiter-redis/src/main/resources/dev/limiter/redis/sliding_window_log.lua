-- Sliding window log, twin of dev.limiter.internal.SlidingWindowLog.
-- Parameters a limit, b window in microseconds.
-- State: a list at l.key of 'time:permits' entries, oldest first (requests granted in the
-- same microsecond share one entry), and the sum of their permits at l.aux. The entries
-- are the requests themselves and need no numbers to be read: under another window or limit
-- they count as they are, so here alone a raised limit or a shorter window frees permits
-- at once.

-- Keeps the log's keys until its newest entry leaves the window; deletes them when empty.
local function sliding_window_log_expire(l, sum)
  local key, sum_key = l.key, l.aux
  if sum > 0 then
    local newest = fields(rcall('LINDEX', key, -1))[1]
    local ttl = ceildiv(newest + l.b - now + slack, 1000)
    if ttl > 0 then
      rcall('PEXPIRE', key, ttl)
      rcall('SET', sum_key, sum, 'PX', ttl)
      return
    end
  end
  rcall('DEL', key, sum_key)
end

local function sliding_window_log(l, permits, commit)
  local key, limit, window = l.key, l.a, l.b
  local sum = tonumber(rcall('GET', l.aux) or '0')
  local changed = false

  while sum > 0 do
    local head = rcall('LINDEX', key, 0)
    if not head then break end
    local f = fields(head)
    if f[1] > now - window then break end
    rcall('LPOP', key)
    sum = sum - f[2]
    changed = true
  end

  local allowed = sum + permits <= limit
  if allowed and commit and permits > 0 then
    local tail = rcall('LINDEX', key, -1)
    local f = tail and fields(tail)
    -- A clock that reads earlier than the newest entry still appends in order.
    if f and f[1] >= now then
      rcall('LSET', key, -1, format('%d:%d', f[1], f[2] + permits))
    else
      rcall('RPUSH', key, format('%d:%d', now, permits))
    end
    sum = sum + permits
    changed = true
  end

  local newest = nil
  if sum > 0 then newest = fields(rcall('LINDEX', key, -1))[1] end
  if changed then sliding_window_log_expire(l, sum) end

  -- Microseconds until enough of the oldest entries have expired to free needed permits.
  local function wait_for_room(needed)
    local freed, index = 0, 0
    while true do
      local batch = rcall('LRANGE', key, index, index + 63)
      if #batch == 0 then return 0 end
      for i = 1, #batch do
        local f = fields(batch[i])
        freed = freed + f[2]
        if freed >= needed then return f[1] + window - now end
      end
      index = index + 64
    end
  end

  local retry = 0
  if not allowed then retry = wait_for_room(sum + permits - limit) end
  local reset = 0
  if newest then
    reset = newest + window - now
    if reset < 0 then reset = 0 end
  end
  local left = max(0, limit - sum)
  return allowed, left, retry, reset, left, 1
end

-- Removes the permits from the entry the charge made or joined: the oldest entry at or after
-- charged_at. An entry that has left the window has freed its permits already.
local function sliding_window_log_refund(l, permits, charged_at)
  local key = l.key
  local entries = rcall('LRANGE', key, 0, -1)
  local found, f = nil, nil
  for i = #entries, 1, -1 do
    local g = fields(entries[i])
    if g[1] < charged_at then break end
    found, f = i - 1, g
  end
  if not found then return end
  local taken = min(permits, f[2])
  if taken == f[2] then
    rcall('LSET', key, found, 'x')
    rcall('LREM', key, 1, 'x')
  else
    rcall('LSET', key, found, format('%d:%d', f[1], f[2] - taken))
  end
  sliding_window_log_expire(l, tonumber(rcall('GET', l.aux) or '0') - taken)
end
