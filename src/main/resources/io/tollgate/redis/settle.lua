-- Ends one hold: gives back what it held on each counter and adds what the accounting core says was used.
-- Idempotent: a hold ended twice (or never reserved here) changes nothing. A void is a settle with nothing used.
-- KEYS[1] epoch hash, KEYS[2] holds by expiry, KEYS[3] the hold's hash, KEYS[4..] counters that count a use
-- ARGV[1] source, ARGV[2] the ending event's journal seq, ARGV[3] hold id, then per used counter: used, ttl ms
-- Returns 'settled', 'absent', 'rebuild' (the coming rebuild carries it) or 'seen' (the last rebuild carried it).
local contributed = redis.call('HGET', KEYS[1], 'src:' .. ARGV[1])
if not contributed then
  return 'rebuild'
end
if tonumber(ARGV[2]) <= tonumber(contributed) then
  return 'seen'
end
local claims = redis.call('HGET', KEYS[3], 'claims')
if not claims then
  return 'absent'
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
for i = 4, #KEYS do
  local used = ARGV[4 + (i - 4) * 2]
  local ttl = tonumber(ARGV[5 + (i - 4) * 2])
  redis.call('HINCRBY', KEYS[i], 'spent', used)
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[3])
return 'settled'
