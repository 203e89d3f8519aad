--[[
  Confirms that a running turn's request is stored and queued: clears its enqueue deadline, so
  the turn is never taken for abandoned by its creator (see open-turn-3.lua, ARGV[7]).

  Input:
    KEYS[1] turn meta hash

    (no arguments)

  Output:
    1  confirmed (or already was)
    0  the turn is not running (closing, ended or unknown)
]]
local metaKey = KEYS[1]

if redis.call('HGET', metaKey, 'status') ~= 'running' then
  return 0
end
redis.call('HDEL', metaKey, 'enqueueDeadline')
return 1
