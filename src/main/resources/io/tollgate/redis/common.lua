-- Put before each script of this folder (Script.load): what several of them do, written once.

-- Gives back what hold key `hold` held on each of its counters and forgets the hold's record; false when none.
local function release(hold)
  local claims = redis.call('HGET', hold, 'claims')
  if not claims then
    return false
  end
  local key = nil
  for part in string.gmatch(claims, '[^\n]+') do
    if key == nil then
      key = part
    else
      if redis.call('HINCRBY', key, 'held', -tonumber(part)) < 0 then
        redis.call('HSET', key, 'held', 0)
      end
      key = nil
    end
  end
  redis.call('DEL', hold)
  return true
end

-- Why an event of `source` at journal `seq` must not be applied: 'rebuild' when Redis lacks the source's state (the
-- coming rebuild carries the event), 'seen' when its last rebuild already counted it; nil when it must be applied.
local function skipped(epoch, source, seq)
  local rebuilt = redis.call('HGET', epoch, 'src:' .. source)
  if not rebuilt then
    return 'rebuild'
  end
  if tonumber(seq) <= tonumber(rebuilt) then
    return 'seen'
  end
  return nil
end
