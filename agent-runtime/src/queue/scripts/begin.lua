-- What an agent needs before working on a delivered task: whether it is done already (then it is
-- acknowledged here, and nothing else happens), else its checkpoint, if any.
-- KEYS[1] task stream, KEYS[2] result hash of the task, KEYS[3] checkpoint of the task
-- ARGV[1] group, ARGV[2] entry id
-- Returns { 1 } when the task already has its result, else { 0, checkpoint or false }
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('DEL', KEYS[3])
  return { 1 }
end
return { 0, redis.call('GET', KEYS[3]) }
