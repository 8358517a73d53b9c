-- Moves an entry to the dead-letter stream and, when it names a task id, gives the task its one result
-- (status dead_lettered), so a producer waiting for the outcome learns it.
-- KEYS[1] task stream, KEYS[2] dead-letter stream, KEYS[3] results stream, KEYS[4] result hash, KEYS[5] checkpoint,
-- KEYS[6] events of the task (a `done` event ends a client's progress stream)
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] task id ('' when the entry has none), ARGV[4] role, ARGV[5] agent,
-- ARGV[6] output (JSON), ARGV[7] result TTL in seconds, ARGV[8] reason, ARGV[9] deliveries, ARGV[10..] the entry's fields
-- Returns 1 if this call wrote a result, else 0
-- Already acknowledged (a re-sent call, or another agent finished it): nothing to move.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local fields = {}
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
fields[#fields + 1] = 'error'; fields[#fields + 1] = ARGV[8]
fields[#fields + 1] = 'deliveries'; fields[#fields + 1] = ARGV[9]
fields[#fields + 1] = 'entryId'; fields[#fields + 1] = ARGV[2]
redis.call('XADD', KEYS[2], '*', unpack(fields))
local written = 0
if ARGV[3] ~= '' and redis.call('EXISTS', KEYS[4]) == 0 then
  local resultId = redis.call('XADD', KEYS[3], '*', 'taskId', ARGV[3], 'role', ARGV[4], 'agent', ARGV[5], 'status', 'dead_lettered', 'output', ARGV[6])
  redis.call('HSET', KEYS[4], 'taskId', ARGV[3], 'role', ARGV[4], 'agent', ARGV[5], 'status', 'dead_lettered', 'output', ARGV[6], 'resultEntryId', resultId)
  redis.call('EXPIRE', KEYS[4], ARGV[7])
  redis.call('XADD', KEYS[6], '*', 'type', 'done', 'data', cjson.encode({ status = 'dead_lettered', resultEntryId = resultId }))
  redis.call('EXPIRE', KEYS[6], ARGV[7])
  written = 1
end
redis.call('DEL', KEYS[5])
return written
