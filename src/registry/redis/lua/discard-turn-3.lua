--[[
  Removes a turn that open-turn-3.lua created but that could not take its session (another turn is
  active there): its keys and its index entry. Only a running turn without chunks is removed, so a
  stray call can never erase a turn that ran.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream
    KEYS[3] active-turn index of the turn's bucket

    ARGV[1] turn id

  Output:
    1  removed (or already gone)
    0  the turn ran (it has chunks, or it is not running): kept
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('HDEL', KEYS[3], ARGV[1])
  return 1
end
local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if status ~= 'running' or not top[1] or top[1][1] ~= '0-1' then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
