-- Gives entries back at once: their idle time is set so that the next reclaim round of any agent
-- takes them. Unless ARGV[4] is 1, their delivery count is set back by one: the fault was outside
-- the task (the Messages API is unavailable, the agent is shutting down). A counted release is for
-- a task that broke what it ran on (it killed its sandbox), so maxDeliveries still dead-letters it.
-- KEYS[1] task stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] idle time to set (ms), ARGV[4] 1: count the delivery, 0: not,
-- ARGV[5..] entry ids
-- Returns how many entries were released (the ones this consumer still owned)
local released = 0
local uncounted = ARGV[4] == '1' and 0 or 1
for i = 5, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    local deliveries = math.max(tonumber(pending[1][4]) - uncounted, 0)
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', deliveries, 'JUSTID')
    released = released + 1
  end
end
return released
