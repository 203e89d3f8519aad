--[[
  Ends a closing turn in one step: one terminal entry holding the trailing chunks and the end,
  the terminal status, and the turn's removal from its bucket's active-turn index. The turn's keys
  then expire after the finished-turn TTL. The caller frees the session next, in the session's
  slot (clear-session-pointer-1.lua); until then the pointer names an ended turn, which every
  reader takes for a free session.

  The terminal entry has id `18446744073709551615-1`, after the freeze of claim-close-2.lua; its
  fields are `p <last position>`, one `c <chunk>` per trailing chunk (positions p-n+1 .. p), then
  `end <status>` and, when there is one, `error <text>`.

  Idempotent per publish id: a repeat of the call (the Redis client resends a command whose reply a
  dropped connection lost) finds the turn ended under its own publish id and answers the same,
  storing nothing.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream
    KEYS[3] active-turn index of the turn's bucket

    ARGV[1] turn id
    ARGV[2] finished-turn TTL (ms)
    ARGV[3] the publish id, unique per call
    ARGV[4..n] trailing chunks, JSON-encoded, in order

  Output:
    { <last position>, <session id> }  published
    { -1 }  the turn does not exist
    { -3 }  the turn is not closing (no won claim, or already published by another call)
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]
local activeTurnsKey = KEYS[3]

local state = redis.call('HMGET', metaKey, 'status', 'closingStatus', 'error', 'lastPosition',
  'sessionId', 'publishId')
local status, closingStatus, errorText, lastPosition, sessionId, publishId =
  state[1], state[2], state[3], state[4], state[5], state[6]
if not status then
  return { -1 }
end
if status ~= 'closing' or not closingStatus then
  if publishId == ARGV[3] then
    return { tonumber(lastPosition), sessionId }
  end
  return { -3 }
end

local top = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)
local last = tonumber(lastPosition or '0')
if top[1] and top[1][1] ~= '0-1' then
  last = tonumber(string.match(top[1][1], '^(%d+)-'))
end
local position = last + #ARGV - 3
local text = string.format('%d', position)
local entry = { 'p', text }
for index = 4, #ARGV do
  table.insert(entry, 'c')
  table.insert(entry, ARGV[index])
end
table.insert(entry, 'end')
table.insert(entry, closingStatus)
if errorText then
  table.insert(entry, 'error')
  table.insert(entry, errorText)
end
redis.call('XADD', streamKey, '18446744073709551615-1', unpack(entry))

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', metaKey,
  'status', closingStatus,
  'closedAt', string.format('%d', now),
  'lastPosition', text,
  'publishId', ARGV[3])
redis.call('HDEL', activeTurnsKey, ARGV[1])
redis.call('PEXPIRE', metaKey, ARGV[2])
redis.call('PEXPIRE', streamKey, ARGV[2])
return { position, sessionId }
