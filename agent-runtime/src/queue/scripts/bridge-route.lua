-- Routes one entry the bridge took from its source list, exactly once: only the call that removes
-- it from the processing list enqueues it, so a bridge that recovers the processing list after a
-- crash (or a second bridge doing so at the same time) cannot enqueue it twice. The target's type
-- is checked first: Redis keeps the writes a script made before an error, so a WRONGTYPE from the
-- enqueue would leave the entry removed and enqueued nowhere.
-- KEYS[1] the processing list, KEYS[2] the target: the old system's list or a track's task stream
-- ARGV[1] the entry as taken, ARGV[2] 'list' (LPUSH the entry unchanged) or 'stream' (XADD),
-- ARGV[3..] the stream entry's fields and values (id, role, payload)
-- Returns 1 if this call enqueued the entry, 0 if it was no longer in the processing list, or the
-- target's type (e.g. 'hash') if the key exists with another type than ARGV[2]: the entry stays.
local target = redis.call('TYPE', KEYS[2]).ok
if target ~= 'none' and target ~= ARGV[2] then
  return target
end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
if ARGV[2] == 'list' then
  redis.call('LPUSH', KEYS[2], ARGV[1])
else
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
end
return 1
