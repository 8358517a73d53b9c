-- Saves a task's checkpoint only while this consumer still owns the entry, and renews the entry:
-- an agent that lost the task must not overwrite the checkpoint of the agent that has it now.
-- KEYS[1] task stream, KEYS[2] checkpoint of the task
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] checkpoint (JSON), ARGV[5] TTL in seconds
-- Returns 1 when saved, 0 when the entry is no longer this consumer's
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not (pending[1] and pending[1][2] == ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
return 1
