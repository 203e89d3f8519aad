--[[
  Takes or renews a named lock with a TTL. Redis expires the key, so a lapsed lock is free.

  Input:
    KEYS[1] lock key

    ARGV[1] owner
    ARGV[2] TTL (ms)

  Output:
    1  the caller holds the lock now (newly, or renewed)
    0  another owner holds it
]]
local lockKey = KEYS[1]

if redis.call('SET', lockKey, ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', lockKey) == ARGV[1] then
  redis.call('PEXPIRE', lockKey, ARGV[2])
  return 1
end
return 0
