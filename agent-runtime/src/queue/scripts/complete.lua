-- Finishes a task exactly once, then reads the consumer's next entries in the same round trip.
-- A re-sent call, a second agent or a re-submitted task id finds the result hash and only acknowledges.
-- KEYS[1] task stream, KEYS[2] results stream, KEYS[3] result hash of the task, KEYS[4] checkpoint of the task
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] task id, ARGV[5] role, ARGV[6] agent,
-- ARGV[7] status, ARGV[8] output (JSON), ARGV[9] result TTL in seconds, ARGV[10] entries to read next (0: none)
-- Returns { 1 if this call wrote the result else 0, the XREADGROUP reply for the next entries or false }
local written = 0
if redis.call('EXISTS', KEYS[3]) == 0 then
  local resultId = redis.call('XADD', KEYS[2], '*', 'taskId', ARGV[4], 'role', ARGV[5], 'agent', ARGV[6], 'status', ARGV[7], 'output', ARGV[8])
  redis.call('HSET', KEYS[3], 'taskId', ARGV[4], 'role', ARGV[5], 'agent', ARGV[6], 'status', ARGV[7], 'output', ARGV[8], 'resultEntryId', resultId)
  redis.call('EXPIRE', KEYS[3], ARGV[9])
  written = 1
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('DEL', KEYS[4])
local nextEntries = false
if tonumber(ARGV[10]) > 0 then
  nextEntries = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[10], 'STREAMS', KEYS[1], '>')
end
return { written, nextEntries }
