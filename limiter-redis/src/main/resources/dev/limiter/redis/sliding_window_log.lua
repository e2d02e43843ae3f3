-- Sliding window log, twin of dev.limiter.internal.SlidingWindowLog.
-- ARGV 6 limit, 7 window in microseconds.
-- State: a list at KEYS[1] of 'time:permits' entries, oldest first (requests granted in the
-- same microsecond share one entry), and the sum of their permits at KEYS[3].
local limit, window = tonumber(ARGV[6]), tonumber(ARGV[7])
local sum_key = KEYS[3]
local sum = tonumber(redis.call('GET', sum_key) or '0')
local changed = false

while sum > 0 do
  local head = redis.call('LINDEX', key, 0)
  if not head then break end
  local f = fields(head)
  if f[1] > now - window then break end
  redis.call('LPOP', key)
  sum = sum - f[2]
  changed = true
end

local allowed = sum + permits <= limit
if allowed and commit and permits > 0 then
  local tail = redis.call('LINDEX', key, -1)
  local f = tail and fields(tail)
  -- A clock that reads earlier than the newest entry still appends in order.
  if f and f[1] >= now then
    redis.call('LSET', key, -1, num(f[1]) .. ':' .. num(f[2] + permits))
  else
    redis.call('RPUSH', key, num(now) .. ':' .. num(permits))
  end
  sum = sum + permits
  changed = true
end

local newest = nil
if sum > 0 then newest = fields(redis.call('LINDEX', key, -1))[1] end
if changed then
  if newest then
    local ttl = ceildiv(newest + window - now + slack, 1000)
    if ttl > 0 then
      redis.call('PEXPIRE', key, num(ttl))
      redis.call('SET', sum_key, num(sum), 'PX', num(ttl))
    else
      redis.call('DEL', key, sum_key)
    end
  else
    redis.call('DEL', key, sum_key)
  end
end

-- Microseconds until enough of the oldest entries have expired to free needed permits.
local function wait_for_room(needed)
  local freed, index = 0, 0
  while true do
    local batch = redis.call('LRANGE', key, index, index + 63)
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
return reply(allowed, limit - sum, retry, reset, limit - sum, 1)
