-- Token bucket, twin of dev.limiter.internal.TokenBucket.
-- Parameters a capacity, b unit (fixed-point units per token), c gain (units per microsecond).
-- State: 'tokens:last' (units, epoch microseconds of the last refill), ':unit' when tagged.
-- Under other numbers the whole tokens carry over (a partial token is dropped), at most the
-- capacity: a key never gains a permit because its policy changed.

-- The bucket's tokens and last refill, refilled up to now.
local function token_bucket_load(l)
  local capacity, unit, gain = l.a, l.b, l.c
  local full = capacity * unit
  local raw = rcall('GET', l.key)
  if not raw then return full, now end
  local tokens, last, tagged_unit = fields3(raw)
  if tagged_unit and tagged_unit ~= unit then tokens = min(floordiv(tokens, tagged_unit), capacity) * unit end
  if tokens > full then tokens = full end
  if now > last then
    if now - last >= ceildiv(full - tokens, gain) then
      tokens = full
    else
      tokens = tokens + (now - last) * gain
    end
    last = now
  end
  return tokens, last
end

local function token_bucket_save(l, tokens, last)
  save(l.key, tag(l, format('%d:%d', tokens, last), l.b), last + ceildiv(l.a * l.b - tokens, l.c))
end

local function token_bucket(l, permits, commit)
  local unit, gain = l.b, l.c
  local full = l.a * unit
  local tokens, last = token_bucket_load(l)
  local lag = last - now
  local need = permits * unit
  local allowed = tokens >= need
  if allowed and commit and need > 0 then
    tokens = tokens - need
    token_bucket_save(l, tokens, last)
  end
  local retry = 0
  if not allowed then retry = lag + ceildiv(need - tokens, gain) end
  return allowed, floordiv(tokens, unit), retry, lag + ceildiv(full - tokens, gain), tokens, unit
end

-- Gives the tokens back, capped at the capacity: tokens refilled since the charge fill the
-- bucket first. A bucket gone (expired) is full already.
local function token_bucket_refund(l, permits, charged_at)
  if rcall('EXISTS', l.key) == 0 then return end
  local tokens, last = token_bucket_load(l)
  token_bucket_save(l, min(l.a * l.b, tokens + permits * l.b), last)
end
