-- Moves a wallet's cap (credits plus overdraft) by what a top-up, an adjustment, a conversion or an overdraft
-- change moved it, as the accounting core journaled it.
-- KEYS[1] epoch hash, KEYS[2] the wallet's counter; ARGV[1] source, ARGV[2] the event's journal seq, ARGV[3] delta
-- Returns 'raised', 'rebuild' or 'seen' (see settle.lua).
local contributed = redis.call('HGET', KEYS[1], 'src:' .. ARGV[1])
if not contributed then
  return 'rebuild'
end
if tonumber(ARGV[2]) <= tonumber(contributed) then
  return 'seen'
end
redis.call('HINCRBY', KEYS[2], 'cap', ARGV[3])
return 'raised'
