--[[
  Ends a closing turn in one step: appends the trailing chunks, then the terminal entry, sets the
  terminal status, frees the session and drops the turn from the active index. Nothing can slip
  between these. The turn's keys then expire after the finished-turn TTL.

  The terminal entry has id `<last position>-1`: after every chunk, without taking a position.

  Idempotent per publish id: a repeat of the call (the Redis client resends a command whose reply a
  dropped connection lost) finds the turn ended under its own publish id and answers the same
  position, storing nothing.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream
    KEYS[3] session pointer of the turn's session
    KEYS[4] active-turns index

    ARGV[1] turn id
    ARGV[2] session id (as the caller read it from the meta hash; checked)
    ARGV[3] finished-turn TTL (ms)
    ARGV[4] the publish id, unique per call
    ARGV[5..n] trailing chunks, JSON-encoded, in order

  Output:
    >= 0  the position of the last chunk
    -1    the turn does not exist
    -3    the turn is not closing (no won claim, or already published)
    -7    ARGV[2] is not the turn's session: KEYS[3] is the wrong pointer
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]
local sessionKey = KEYS[3]
local activeTurnsKey = KEYS[4]

local state = redis.call('HMGET', metaKey, 'status', 'closingStatus', 'error', 'lastPosition',
  'sessionId', 'publishId')
local status, closingStatus, errorText, lastPosition, sessionId, publishId =
  state[1], state[2], state[3], state[4], state[5], state[6]
if not status then
  return -1
end
if status ~= 'closing' or not closingStatus then
  if publishId == ARGV[4] then
    return tonumber(lastPosition)
  end
  return -3
end
if sessionId ~= ARGV[2] then
  return -7
end

local position = tonumber(lastPosition)
for index = 5, #ARGV do
  position = position + 1
  local text = string.format('%d', position)
  redis.call('XADD', streamKey, text .. '-0', 'p', text, 'c', ARGV[index])
end
local last = string.format('%d', position)
if errorText then
  redis.call('XADD', streamKey, last .. '-1', 'p', last, 'end', closingStatus, 'error', errorText)
else
  redis.call('XADD', streamKey, last .. '-1', 'p', last, 'end', closingStatus)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', metaKey,
  'status', closingStatus,
  'closedAt', string.format('%d', now),
  'lastPosition', last,
  'publishId', ARGV[4])

if redis.call('GET', sessionKey) == ARGV[1] then
  redis.call('DEL', sessionKey)
end
redis.call('HDEL', activeTurnsKey, ARGV[1])
redis.call('PEXPIRE', metaKey, ARGV[3])
redis.call('PEXPIRE', streamKey, ARGV[3])
return position
