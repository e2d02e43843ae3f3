-- Generic cell rate algorithm, twin of dev.limiter.internal.Gcra.
-- Parameters a burst, b unit (fixed-point units per emission), c gain (units per microsecond).
-- State: 'tat:frac', the theoretical arrival time in whole microseconds plus a remainder in
-- [0, gain) units; just 'tat' when the remainder is 0 (always, when gain is 1), which Redis
-- keeps as an integer inside the key's object, with no string allocated. Tagged:
-- 'tat:frac:burst:unit:gain'. Under other numbers the permits left carry over in whole
-- permits (a partial one is dropped), at most the new burst: a key never gains a permit
-- because its policy changed, and loses only what a lower burst takes away.

-- The debt in units now (0 when the bucket is at rest).
local function gcra_debt(l)
  local limit = l.a * l.b
  local raw = rcall('GET', l.key)
  if not raw then return 0 end
  local f = fields(raw)
  local tat, frac = f[1], f[2] or 0
  local burst, unit, gain = f[3] or l.a, f[4] or l.b, f[5] or l.c
  local debt = 0
  if tat >= now then debt = (tat - now) * gain + frac end
  if burst ~= l.a or unit ~= l.b or gain ~= l.c then
    debt = (l.a - min(floordiv(burst * unit - debt, unit), l.a)) * l.b
  end
  if debt > limit then debt = limit end
  return debt
end

-- Stores a debt of units from now.
local function gcra_save(l, debt)
  local gain = l.c
  local tat = now + floordiv(debt, gain)
  local frac = debt - floordiv(debt, gain) * gain
  local idle_at = tat
  if frac > 0 then idle_at = tat + 1 end
  local value
  if l.tagged then
    value = format('%d:%d:%d:%d:%d', tat, frac, l.a, l.b, gain)
  elseif frac > 0 then
    value = format('%d:%d', tat, frac)
  else
    value = num(tat)
  end
  save(l.key, value, idle_at)
end

local function gcra(l, permits, commit)
  local unit, gain = l.b, l.c
  local limit = l.a * unit
  local debt = gcra_debt(l)
  local next = debt + permits * unit
  local allowed = next <= limit
  local after = debt
  if allowed and commit then
    after = next
    gcra_save(l, next)
  end
  local retry = 0
  if not allowed then retry = ceildiv(next - limit, gain) end
  return allowed, floordiv(limit - after, unit), retry, ceildiv(after, gain), limit - after, unit
end

-- Pays the emissions back, down to no debt: time passed since the charge pays first.
local function gcra_refund(l, permits, charged_at)
  if rcall('EXISTS', l.key) == 0 then return end
  local debt = gcra_debt(l) - permits * l.b
  if debt > 0 then gcra_save(l, debt) else rcall('DEL', l.key) end
end
