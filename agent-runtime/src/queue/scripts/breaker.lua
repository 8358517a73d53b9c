-- The role's Messages-API circuit breaker, shared by its agents through one hash, on Redis' clock.
-- States: closed (work as usual), open (nobody takes tasks until open-until), half-open (one agent
-- probes with one task; success closes the breaker, failure opens it again for twice as long).
-- KEYS[1] breaker hash
-- ARGV[1] operation: 'read' | 'failure' | 'success' | 'probe' | 'unprobe'; ARGV[2] consumer;
-- ARGV[3] failures that open it; ARGV[4] first open period (ms); ARGV[5] longest open period (ms);
-- ARGV[6] how long a probe may take before another agent may probe (ms)
-- Returns { state, ms until a probe may start (0 when it may; while another agent probes, until its probe
-- times out), consecutive failures, 1 if this call won the probe }
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = ARGV[1]
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local openMs = tonumber(redis.call('HGET', KEYS[1], 'openMs') or ARGV[4])
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
local won = 0
local function open(ms)
  state = 'open'
  openMs = math.min(ms, tonumber(ARGV[5]))
  openUntil = now + openMs
  probeUntil = 0
  -- A failed probe is over: the next open period ends with a new probe, not the old probe's timeout.
  redis.call('HSET', KEYS[1], 'state', state, 'openUntil', openUntil, 'openMs', openMs, 'failures', failures, 'probeUntil', 0)
end
local function keep()
  -- A breaker whose agents all went away is forgotten after a while rather than kept forever.
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) * 4 + tonumber(ARGV[6]))
end
if op == 'failure' then
  failures = failures + 1
  if state == 'half-open' then
    open(openMs * 2)
  elseif state == 'closed' and failures >= tonumber(ARGV[3]) then
    open(tonumber(ARGV[4]))
  else
    redis.call('HSET', KEYS[1], 'failures', failures)
  end
  keep()
elseif op == 'success' then
  redis.call('DEL', KEYS[1])
  state = 'closed'; failures = 0; openUntil = 0
elseif op == 'probe' then
  if state ~= 'closed' and now >= openUntil and now >= probeUntil then
    state = 'half-open'
    probeUntil = now + tonumber(ARGV[6])
    redis.call('HSET', KEYS[1], 'state', state, 'probeBy', ARGV[2], 'probeUntil', probeUntil)
    won = 1
    keep()
  end
elseif op == 'unprobe' then
  -- The probe found no task to try: let the next agent probe at once instead of after the probe timeout.
  if state == 'half-open' and redis.call('HGET', KEYS[1], 'probeBy') == ARGV[2] then
    redis.call('HSET', KEYS[1], 'probeUntil', 0)
    probeUntil = 0
  end
end
if state == 'closed' or won == 1 then probeUntil = 0 end
return { state, math.max(openUntil - now, probeUntil - now, 0), failures, won }
