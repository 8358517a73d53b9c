-- Moves an entry the bridge cannot read as a task from its processing list to the rejected list,
-- with the reason, in one step: the entry is never lost and never kept twice.
-- KEYS[1] the processing list, KEYS[2] the rejected list
-- ARGV[1] the entry as taken, ARGV[2] the record to keep (JSON: entry, error, at)
-- Returns 1 if this call moved it, 0 if it was no longer in the processing list.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
