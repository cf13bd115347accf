-- Releases holds whose expiry passed, whichever process took them (a dead one's, after its expiry): each is voided,
-- giving back what it held. Idempotent: a released hold is gone from the set and from its hash.
-- KEYS[1] holds by expiry; ARGV[1] now (ms, the sweeping gateway's clock), ARGV[2] how many at most,
-- ARGV[3] the key prefix of hold hashes. Returns the ids released.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  release(ARGV[3] .. id)
  redis.call('ZREM', KEYS[1], id)
end
return ids
