-- Finishes a task exactly once, then reads the consumer's next entries in the same round trip, and
-- does for each what begin.lua does (done already: acknowledge; else its checkpoint), saving a round
-- trip per task. A re-sent call, a second agent or a re-submitted task id finds the result hash and
-- only acknowledges; an agent whose entry another agent has taken over meanwhile writes nothing.
-- KEYS[1] task stream, KEYS[2] results stream, KEYS[3] result hash of the task, KEYS[4] checkpoint of the task,
-- KEYS[5] events of the task (a `done` event ends a client's progress stream), KEYS[6] its cancel flag
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] task id, ARGV[5] role, ARGV[6] agent,
-- ARGV[7] status, ARGV[8] output (JSON), ARGV[9] result TTL in seconds, ARGV[10] entries to read next (0: none),
-- ARGV[11] result hash key without the task id, ARGV[12] checkpoint key without the task id
-- The next entries' keys can only be named once they are read. They share the declared keys' prefix,
-- and so, in Redis Cluster, its hash tag and slot.
-- Returns { 1 if this call wrote the result, 0 if the task had one, -1 if the entry is another
-- consumer's now; { { entry id, { field, value, ... }, 1 if done else 0, checkpoint or false }, ... } }
local written = 0
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
  redis.call('DEL', KEYS[4])
elseif pending[1] and pending[1][2] ~= ARGV[2] then
  written = -1
else
  local resultId = redis.call('XADD', KEYS[2], '*', 'taskId', ARGV[4], 'role', ARGV[5], 'agent', ARGV[6], 'status', ARGV[7], 'output', ARGV[8])
  redis.call('HSET', KEYS[3], 'taskId', ARGV[4], 'role', ARGV[5], 'agent', ARGV[6], 'status', ARGV[7], 'output', ARGV[8], 'resultEntryId', resultId)
  redis.call('EXPIRE', KEYS[3], ARGV[9])
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
  redis.call('DEL', KEYS[4], KEYS[6])
  redis.call('XADD', KEYS[5], '*', 'type', 'done', 'data', cjson.encode({ status = ARGV[7], resultEntryId = resultId }))
  redis.call('EXPIRE', KEYS[5], ARGV[9])
  written = 1
end
local nextEntries = {}
local reply = false
if tonumber(ARGV[10]) > 0 then
  reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[10], 'STREAMS', KEYS[1], '>')
end
for _, entry in ipairs(reply and reply[1][2] or {}) do
  local taskId, done, checkpoint = nil, 0, false
  for i = 1, #entry[2], 2 do
    if entry[2][i] == 'id' then taskId = entry[2][i + 1] end
  end
  if taskId and redis.call('EXISTS', ARGV[11] .. taskId) == 1 then
    redis.call('XACK', KEYS[1], ARGV[1], entry[1])
    redis.call('DEL', ARGV[12] .. taskId)
    done = 1
  elseif taskId then
    checkpoint = redis.call('GET', ARGV[12] .. taskId)
  end
  nextEntries[#nextEntries + 1] = { entry[1], entry[2], done, checkpoint }
end
return { written, nextEntries }
