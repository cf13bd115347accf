-- Adds one source's state (the counters, wallets and open holds of its journal at seq ARGV[2]) to the counters, once
-- per epoch. The first source of a new epoch (none yet: Redis restarted empty, or an operator deleted the epoch to
-- force a rebuild) clears what an earlier epoch left under the prefix first.
-- KEYS[1] epoch hash, KEYS[2] holds by expiry; ARGV[1] source, ARGV[2] seq, ARGV[3] a new epoch id, ARGV[4] prefix,
-- ARGV[5] the state as JSON: {"c": [[key, spent, held, ttl ms]], "w": [[key, cap, held]], "h": [[hold key, id,
-- expires, [key, amount, key, amount, ...]]]}, keys already prefixed, numbers as strings.
-- Returns 'rebuilt' or 'already'.
if redis.call('HEXISTS', KEYS[1], 'src:' .. ARGV[1]) == 1 then
  return 'already'
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local stale = redis.call('KEYS', ARGV[4] .. '*')
  for i = 1, #stale, 500 do
    redis.call('DEL', unpack(stale, i, math.min(i + 499, #stale)))
  end
  redis.call('HSET', KEYS[1], 'id', ARGV[3])
end
local state = cjson.decode(ARGV[5])
for _, c in ipairs(state.c) do
  redis.call('HINCRBY', c[1], 'spent', c[2])
  redis.call('HINCRBY', c[1], 'held', c[3])
  if tonumber(c[4]) > 0 then
    redis.call('PEXPIRE', c[1], c[4])
  end
end
for _, w in ipairs(state.w) do
  redis.call('HINCRBY', w[1], 'cap', w[2])
  redis.call('HINCRBY', w[1], 'held', w[3])
end
for _, h in ipairs(state.h) do
  redis.call('HSET', h[1], 'claims', table.concat(h[4], '\n'), 'expires', h[3])
  redis.call('ZADD', KEYS[2], h[3], h[2])
end
redis.call('HSET', KEYS[1], 'src:' .. ARGV[1], ARGV[2])
return 'rebuilt'
