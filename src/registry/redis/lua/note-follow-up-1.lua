--[[
  Counts one follow-up message stored for a running or closing turn, so that whoever runs it
  knows to read the store (see StreamRegistry.noteFollowUp). Expiry is left as it is: the turn's
  keys live as long as it is active.

  Input:
    KEYS[1] turn meta hash

  Output:
    1  counted
    0  the turn is finished or unknown
]]
local metaKey = KEYS[1]

local status = redis.call('HGET', metaKey, 'status')
if status ~= 'running' and status ~= 'closing' then
  return 0
end
redis.call('HINCRBY', metaKey, 'followUps', 1)
return 1
