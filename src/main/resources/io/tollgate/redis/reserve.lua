-- Reserves every claim of one hold, or none. No money logic: it compares and adds what the accounting core computed.
-- KEYS[1] epoch hash, KEYS[2] holds by expiry (sorted set), KEYS[3] the hold's hash, KEYS[4..] one counter per claim
-- ARGV[1] source, ARGV[2] the hold's journal seq, ARGV[3] hold id, ARGV[4] expires at (ms, the gateway's clock),
-- then per claim: amount, cap (-1: the cap the counter keeps, a wallet's credits plus overdraft), ttl ms (0: none)
-- Returns {'taken'}, {'refused', index (0-based), spent, held, cap}, {'rebuild'} or {'stale'}.
local skip = skipped(KEYS[1], ARGV[1], ARGV[2])
if skip == 'rebuild' then
  return {'rebuild'}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {'taken'} -- a rebuild already carried this hold
end
if skip == 'seen' then
  return {'stale'} -- the rebuild saw this hold already ended
end
local n = #KEYS - 3
for i = 1, n do
  local amount = tonumber(ARGV[4 + (i - 1) * 3 + 1])
  local cap = tonumber(ARGV[4 + (i - 1) * 3 + 2])
  local v = redis.call('HMGET', KEYS[3 + i], 'spent', 'held', 'cap')
  local spent = tonumber(v[1] or '0')
  local held = tonumber(v[2] or '0')
  if cap < 0 then
    cap = tonumber(v[3] or '0')
  end
  if spent + held + amount > cap then
    return {'refused', i - 1, spent, held, cap}
  end
end
local claims = {}
for i = 1, n do
  local key = KEYS[3 + i]
  local amount = ARGV[4 + (i - 1) * 3 + 1]
  local ttl = tonumber(ARGV[4 + (i - 1) * 3 + 3])
  redis.call('HINCRBY', key, 'held', amount)
  if ttl > 0 then
    redis.call('PEXPIRE', key, ttl)
  end
  claims[#claims + 1] = key
  claims[#claims + 1] = amount
end
redis.call('HSET', KEYS[3], 'claims', table.concat(claims, '\n'), 'expires', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
return {'taken'}
