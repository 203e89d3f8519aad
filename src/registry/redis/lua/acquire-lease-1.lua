--[[
  Takes the lease of a running turn for an owner: free or already the owner's -> acquired.
  Another owner's lease is compared with the Redis server clock, so every process agrees on
  whether it lapsed. The TTL of the turn's keys is left alone: it was set when the turn opened and
  the owner's lease refreshes (refresh-lease-2.lua) extend it.

  Input:
    KEYS[1] turn meta hash

    ARGV[1] owner
    ARGV[2] lease TTL (ms)

  Output:
    1   acquired (leaseOwner and leaseExpiresAt set)
    2   held: another owner's lease is alive
    3   expired: another owner's lease lapsed (that owner is gone)
    4   a cancel was requested: nothing set, the caller ends the turn as cancelled
    -2  the turn is not running
]]
local metaKey = KEYS[1]

local state = redis.call('HMGET', metaKey, 'status', 'leaseOwner', 'leaseExpiresAt',
  'cancelRequested')
if state[1] ~= 'running' then
  return -2
end
if state[4] == '1' then
  return 4
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if state[2] and state[2] ~= ARGV[1] then
  if tonumber(state[3] or '0') > now then
    return 2
  end
  return 3
end
redis.call('HSET', metaKey,
  'leaseOwner', ARGV[1],
  'leaseExpiresAt', string.format('%d', now + tonumber(ARGV[2])))
return 1
