-- Picks the track of a new task, once per id. A re-sent id gets the track recorded for it, whatever
-- the weights say now. A new id takes the scope's next number n and is placed at frac(n * phi) * 100,
-- phi being the golden ratio's conjugate: consecutive n spread over [0, 100) so evenly (a
-- low-discrepancy sequence) that any 1,000 of them match the weights within well under 1 %, where
-- hashing random ids strays past 2 % in about one batch of 1,000 in five.
-- KEYS[1] the id's route record, KEYS[2] the role's sequence (both under the key prefix, so in
-- Redis Cluster they share its hash tag)
-- ARGV[1] the record's expiry in seconds; 0: ids that are never sent again (the gateway makes each
-- one), which need no record, KEYS[1] is then left alone; ARGV[2..] pairs of track and cumulative percent, in the
-- order the weights are placed against (only tracks with a share; the last pair's percent is 100)
-- Returns the track.
local record = ARGV[1] ~= '0'
if record then
  local recorded = redis.call('GET', KEYS[1])
  if recorded then
    return recorded
  end
end
local n = redis.call('INCR', KEYS[2])
-- n modulo 2^32 keeps n * phi exact to about 1e-6 however long the role runs; the wrap breaks the
-- sequence once every 4 billion tasks, which two short runs on either side absorb.
local point = ((n % 4294967296) * 0.6180339887498949) % 1 * 100
local track = ARGV[#ARGV - 1]
for i = 2, #ARGV - 1, 2 do
  if point < tonumber(ARGV[i + 1]) then
    track = ARGV[i]
    break
  end
end
if record then
  redis.call('SET', KEYS[1], track, 'EX', ARGV[1])
end
return track
