-- Extends a lock only while the caller still holds it.
-- KEYS[1] the lock; ARGV[1] the owner, ARGV[2] the new expiry in milliseconds
-- Returns 1 if renewed, 0 if another owner holds it or it expired.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
