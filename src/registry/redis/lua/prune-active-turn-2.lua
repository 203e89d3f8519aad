--[[
  Forgets an entry of a bucket's active-turn index whose turn is no longer running or closing (its
  hash vanished: expired or flushed). The caller then frees the session pointer if it still names
  the turn (clear-session-pointer-1.lua, in the session's slot).

  Input:
    KEYS[1] active-turn index of the turn's bucket
    KEYS[2] turn meta hash

    ARGV[1] turn id

  Output:
    1  pruned
    0  the turn is active after all: nothing changed
]]
local status = redis.call('HGET', KEYS[2], 'status')
if status == 'running' or status == 'closing' then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
