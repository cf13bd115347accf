-- Releases holds whose expiry passed, whichever process took them (a dead one's, after its expiry): each is voided,
-- giving back what it held. Idempotent: a released hold is gone from the set and from its hash.
-- KEYS[1] holds by expiry; ARGV[1] now (ms, the sweeping gateway's clock), ARGV[2] how many at most,
-- ARGV[3] the key prefix of hold hashes. Returns the ids released.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local hold = ARGV[3] .. id
  local claims = redis.call('HGET', hold, 'claims')
  if claims then
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
  end
  redis.call('ZREM', KEYS[1], id)
end
return ids
