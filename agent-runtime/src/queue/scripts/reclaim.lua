-- Takes over entries idle for at least min-idle (their agent stopped renewing them), scanning the
-- pending list from a cursor the caller keeps across rounds, so every idle entry is found in bounded
-- time however many live entries are pending ahead of it. XAUTOCLAIM scans at most 10 x COUNT entries
-- per call; the loop continues until enough entries are claimed, the scan budget is spent, or the
-- cursor wraps around.
-- KEYS[1] task stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] min idle (ms), ARGV[4] cursor, ARGV[5] entries wanted,
-- ARGV[6] XAUTOCLAIM calls at most
-- Returns { next cursor, { { entry id, { field, value, ... }, deliveries }, ... } }
local cursor = ARGV[4]
local wanted = tonumber(ARGV[5])
local claimed = {}
for _ = 1, tonumber(ARGV[6]) do
  local reply = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', wanted - #claimed)
  cursor = reply[1]
  for _, entry in ipairs(reply[2]) do
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    claimed[#claimed + 1] = { entry[1], entry[2], pending[1][4] }
  end
  if #claimed >= wanted or cursor == '0-0' then break end
end
return { cursor, claimed }
