-- Moves a wallet's cap (credits plus overdraft) by what a top-up, an adjustment, a conversion or an overdraft
-- change moved it, as the accounting core journaled it.
-- KEYS[1] epoch hash, KEYS[2] the wallet's counter; ARGV[1] source, ARGV[2] the event's journal seq, ARGV[3] delta
-- Returns 'raised', 'rebuild' or 'seen' (see common.lua).
local skip = skipped(KEYS[1], ARGV[1], ARGV[2])
if skip then
  return skip
end
redis.call('HINCRBY', KEYS[2], 'cap', ARGV[3])
return 'raised'
