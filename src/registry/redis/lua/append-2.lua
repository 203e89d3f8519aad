--[[
  Appends chunks to a running turn at consecutive positions, all or none.

  Idempotent per append id: the Redis client sends a command again after a reconnect when the
  dropped connection lost its reply, and the first run may have stored the chunks already. A
  turn's appends come one at a time from its one writer, so a repeat is always of the last one.

  Appends come several times a second per turn, so this script does as little as it can: one read,
  one XADD per chunk, one write. The TTL of the turn's keys is extended by the first append (which
  creates the stream) and then once every 64 positions; in between, the lease refreshes of the
  executor that runs the turn extend it (refresh-lease-2.lua), so a turn that is alive never loses
  its keys.

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

local state = redis.call('HMGET', metaKey, 'status', 'lastPosition', 'lastAppendId')
if state[1] ~= 'running' then
  return -2
end
local first = tonumber(state[2])
if state[3] == ARGV[2] or #ARGV < 3 then
  return first
end
local position = first
for index = 3, #ARGV do
  position = position + 1
  local text = string.format('%d', position)
  redis.call('XADD', streamKey, text .. '-0', 'p', text, 'c', ARGV[index])
end

redis.call('HSET', metaKey, 'lastPosition', string.format('%d', position), 'lastAppendId', ARGV[2])
if first == 0 or math.floor(first / 64) ~= math.floor(position / 64) then
  redis.call('PEXPIRE', metaKey, ARGV[1])
  redis.call('PEXPIRE', streamKey, ARGV[1])
end
return position
