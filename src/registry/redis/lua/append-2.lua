--[[
  Appends chunks to a running turn at consecutive positions, all or none, and extends the TTL of
  the turn's keys (an active turn never loses its keys while something writes to it).

  Idempotent per append id: the Redis client sends a command again after a reconnect when the
  dropped connection lost its reply, and the first run may have stored the chunks already. A
  turn's appends come one at a time from its one writer, so a repeat is always of the last one.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] active-turn TTL (ms)
    ARGV[2] the append id, unique per call
    ARGV[3..n] the chunks, JSON-encoded, in order

  Output:
    >= 0  the position of the last chunk (unchanged for an empty append or a repeat)
    -2    the turn is not running (closing, finished or unknown): nothing stored
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

if redis.call('HGET', metaKey, 'status') ~= 'running' then
  return -2
end

local state = redis.call('HMGET', metaKey, 'lastPosition', 'lastAppendId')
local position = tonumber(state[1])
if state[2] == ARGV[2] then
  return position
end
for index = 3, #ARGV do
  position = position + 1
  local text = string.format('%d', position)
  redis.call('XADD', streamKey, text .. '-0', 'p', text, 'c', ARGV[index])
end

redis.call('HSET', metaKey, 'lastPosition', string.format('%d', position), 'lastAppendId', ARGV[2])
redis.call('PEXPIRE', metaKey, ARGV[1])
redis.call('PEXPIRE', streamKey, ARGV[1])
return position
