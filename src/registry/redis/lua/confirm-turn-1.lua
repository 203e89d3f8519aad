--[[
  Confirms that a running turn's request is stored and queued: clears its enqueue deadline, so
  the turn is never taken for abandoned by its creator (see open-turn-4.lua, ARGV[8]). The turn
  now waits for an executor: its TTL starts again (it has no chunk stream yet).

  Input:
    KEYS[1] turn meta hash

    ARGV[1] active-turn TTL (ms)

  Output:
    1  confirmed (or already was)
    0  the turn is not running (closing, ended or unknown)
]]
local metaKey = KEYS[1]

if redis.call('HGET', metaKey, 'status') ~= 'running' then
  return 0
end
redis.call('HDEL', metaKey, 'enqueueDeadline')
redis.call('PEXPIRE', metaKey, ARGV[1])
return 1
