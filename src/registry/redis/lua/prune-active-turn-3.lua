--[[
  Forgets an entry of the active-turns index whose turn is no longer running or closing (its
  hash vanished: expired or flushed), and the session pointer if it still names that turn.

  Input:
    KEYS[1] active-turns index
    KEYS[2] turn meta hash
    KEYS[3] session pointer of the turn's session

    ARGV[1] turn id

  Output:
    1  pruned
    0  the turn is active after all: nothing changed
]]
local activeTurnsKey = KEYS[1]
local metaKey = KEYS[2]
local sessionKey = KEYS[3]

local status = redis.call('HGET', metaKey, 'status')
if status == 'running' or status == 'closing' then
  return 0
end
redis.call('HDEL', activeTurnsKey, ARGV[1])
if redis.call('GET', sessionKey) == ARGV[1] then
  redis.call('DEL', sessionKey)
end
return 1
