-- Ends one hold: gives back what it held on each counter and adds what the accounting core says was used.
-- Idempotent: a hold ended twice (or never reserved here) changes nothing. A void is a settle with nothing used.
-- KEYS[1] epoch hash, KEYS[2] holds by expiry, KEYS[3] the hold's hash, KEYS[4..] counters that count a use
-- ARGV[1] source, ARGV[2] the ending event's journal seq, ARGV[3] hold id, then per used counter: used, ttl ms
-- Returns 'settled', 'absent', 'rebuild' (the coming rebuild carries it) or 'seen' (the last rebuild carried it).
local skip = skipped(KEYS[1], ARGV[1], ARGV[2])
if skip then
  return skip
end
if not release(KEYS[3]) then
  return 'absent'
end
for i = 4, #KEYS do
  local ttl = tonumber(ARGV[5 + (i - 4) * 2])
  redis.call('HINCRBY', KEYS[i], 'spent', ARGV[4 + (i - 4) * 2])
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
redis.call('ZREM', KEYS[2], ARGV[3])
return 'settled'
