--[[
  Extends the owner's lease of a running turn (by the Redis server clock) and the TTL of the
  turn's keys.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] owner
    ARGV[2] lease TTL (ms)
    ARGV[3] active-turn TTL (ms)

  Output:
    1  extended
    0  the lease is not the owner's, or the turn is not running
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

local state = redis.call('HMGET', metaKey, 'status', 'leaseOwner')
if state[1] ~= 'running' or state[2] ~= ARGV[1] then
  return 0
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', metaKey, 'leaseExpiresAt', string.format('%d', now + tonumber(ARGV[2])))
redis.call('PEXPIRE', metaKey, ARGV[3])
redis.call('PEXPIRE', streamKey, ARGV[3])
return 1
