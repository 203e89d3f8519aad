--[[
  Appends chunks to a running turn at consecutive positions, all or none, and extends the TTL of
  the turn's keys (an active turn never loses its keys while something writes to it).

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] active-turn TTL (ms)
    ARGV[2..n] the chunks, JSON-encoded, in order

  Output:
    >= 0  the position of the last chunk (unchanged for an empty append)
    -2    the turn is not running (closing, finished or unknown): nothing stored
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

if redis.call('HGET', metaKey, 'status') ~= 'running' then
  return -2
end

local position = tonumber(redis.call('HGET', metaKey, 'lastPosition'))
for index = 2, #ARGV do
  position = position + 1
  local text = string.format('%d', position)
  redis.call('XADD', streamKey, text .. '-0', 'p', text, 'c', ARGV[index])
end

redis.call('HSET', metaKey, 'lastPosition', string.format('%d', position))
redis.call('PEXPIRE', metaKey, ARGV[1])
redis.call('PEXPIRE', streamKey, ARGV[1])
return position
