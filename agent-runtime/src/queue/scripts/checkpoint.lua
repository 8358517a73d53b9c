-- After a completed turn: saves the task's checkpoint only while this consumer still owns the entry,
-- renews the entry, appends the turn's progress event, and tells whether a cancel was asked for.
-- An agent that lost the task must not overwrite the checkpoint of the agent that has it now.
-- KEYS[1] task stream, KEYS[2] checkpoint of the task, KEYS[3] events of the task, KEYS[4] cancel flag
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] checkpoint (JSON; empty: too large to
-- keep, the previous one stays), ARGV[5] TTL in seconds, ARGV[6] progress event (JSON), ARGV[7] most
-- events kept per task
-- Returns 0 when the entry is no longer this consumer's (nothing happened), 1 when saved, 2 when
-- saved and the task is to be canceled
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not (pending[1] and pending[1][2] == ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
if ARGV[4] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'type', 'turn', 'data', ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[5])
if redis.call('EXISTS', KEYS[4]) == 1 then return 2 end
return 1
