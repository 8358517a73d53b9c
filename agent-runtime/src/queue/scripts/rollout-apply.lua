-- Applies one decision of a rollout: the role's weights (replaced whole, so no router reads a half-written
-- hash) and the rollout's state, in one step, and only if the rollout is still what the caller expects,
-- so a rollout that lost its lock, or was rolled back by hand meanwhile, changes nothing.
-- KEYS[1] the rollout's state hash, KEYS[2] the role's weights hash, KEYS[3] the rollout's lock
-- ARGV[1] the lock owner the caller must be ('' for none: a rollback, by hand or at a failed gate, is always safe), ARGV[2] what the state must be:
-- 'running', 'idle' (absent or ended) or 'exists', ARGV[3] n, the number of weights,
-- ARGV[4 .. 3+2n] track, percent, ...; ARGV[4+2n ..] state field, value, ...
-- Returns 'ok', or why nothing was changed.
local owner, expected = ARGV[1], ARGV[2]
if owner ~= '' and redis.call('GET', KEYS[3]) ~= owner then
  return 'the rollout lock is no longer held by this process'
end
local status = redis.call('HGET', KEYS[1], 'status')
if expected == 'running' and status ~= 'running' then
  return 'the rollout is no longer running (' .. (status or 'its state is gone') .. ')'
end
if expected == 'idle' and status == 'running' then
  return 'a rollout of the role is running or was interrupted'
end
if expected == 'exists' and not status then
  return 'there is no rollout of the role'
end
local n = tonumber(ARGV[3])
if n > 0 then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], unpack(ARGV, 4, 3 + 2 * n))
end
if #ARGV >= 4 + 2 * n then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4 + 2 * n))
end
return 'ok'
