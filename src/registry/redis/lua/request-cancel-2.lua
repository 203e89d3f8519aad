--[[
  Sets the cancel flag of a running or closing turn (idempotent). The turn itself is ended by
  whoever runs it, through claim-close.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] active-turn TTL (ms)

  Output:
    1  the flag is set
    0  the turn is finished or unknown
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

local status = redis.call('HGET', metaKey, 'status')
if status ~= 'running' and status ~= 'closing' then
  return 0
end
redis.call('HSET', metaKey, 'cancelRequested', '1')
redis.call('PEXPIRE', metaKey, ARGV[1])
redis.call('PEXPIRE', streamKey, ARGV[1])
return 1
