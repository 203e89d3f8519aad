--[[
  Opens a turn as the session's active turn, unless the session already has a running or closing
  turn. A session pointer whose turn hash has vanished (expired, flushed) counts as free: a missing
  status is never "running".

  Idempotent: the Redis client sends a command again after a reconnect when the dropped connection
  lost its reply, and the first run may have opened the turn already. Turn ids are unique per call,
  so a turn with this id, these messages, the session's pointer and nothing appended yet is that
  first run's turn: the repeat answers "opened" again instead of "already exists".

  The caller reads the session pointer first and passes the meta key of the turn it names, so every
  key is declared; if the pointer moved in between, the script changes nothing and says so.

  Input:
    KEYS[1] meta hash of the new turn
    KEYS[2] session pointer (string: the active turn id)
    KEYS[3] active-turns index (hash: turn id -> session id)
    KEYS[4] meta hash of the turn the caller saw in the pointer (KEYS[1] again when it saw none)

    ARGV[1] turn id
    ARGV[2] session id
    ARGV[3] the pointer value the caller saw ('' for none)
    ARGV[4] active-turn TTL (ms)
    ARGV[5] user message id
    ARGV[6] assistant message id
    ARGV[7] request key (what identifies the request that opens the turn)
    ARGV[8] enqueue timeout (ms): the turn must be confirmed (confirm-turn-1.lua) by its creation
            time plus this, or it counts as abandoned; '' for none (confirmed from the start)
    ARGV[9] user id (absent for an anonymous turn)

  Output:
    { 1, <HGETALL of the new turn> }     opened
    { -5, <HGETALL of the active turn> } the session has an active turn
    { -4 }                               another turn with this id already exists
    { -6, <current pointer value> }      the pointer moved since the caller read it: retry
]]
local metaKey = KEYS[1]
local sessionKey = KEYS[2]
local activeTurnsKey = KEYS[3]
local seenMetaKey = KEYS[4]

if redis.call('EXISTS', metaKey) == 1 then
  local existing = redis.call('HMGET', metaKey,
    'sessionId', 'userMessageId', 'assistantMessageId', 'status', 'lastPosition')
  if existing[1] == ARGV[2] and existing[2] == ARGV[5] and existing[3] == ARGV[6]
      and existing[4] == 'running' and existing[5] == '0'
      and redis.call('GET', sessionKey) == ARGV[1] then
    local reply = redis.call('HGETALL', metaKey)
    table.insert(reply, 1, 1)
    return reply
  end
  return { -4 }
end

local pointer = redis.call('GET', sessionKey)
if (pointer or '') ~= ARGV[3] then
  return { -6, pointer or '' }
end

if pointer then
  local status = redis.call('HGET', seenMetaKey, 'status')
  if status == 'running' or status == 'closing' then
    local reply = redis.call('HGETALL', seenMetaKey)
    table.insert(reply, 1, -5)
    return reply
  end
  -- The pointed-at turn ended or vanished without clearing its traces: the session is free.
  redis.call('HDEL', activeTurnsKey, pointer)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

redis.call('HSET', metaKey,
  'turnId', ARGV[1],
  'sessionId', ARGV[2],
  'userMessageId', ARGV[5],
  'assistantMessageId', ARGV[6],
  'requestKey', ARGV[7],
  'status', 'running',
  'cancelRequested', '0',
  'lastPosition', '0',
  'createdAt', string.format('%d', now))
if ARGV[8] ~= '' then
  redis.call('HSET', metaKey, 'enqueueDeadline', string.format('%d', now + tonumber(ARGV[8])))
end
if ARGV[9] then
  redis.call('HSET', metaKey, 'userId', ARGV[9])
end
redis.call('PEXPIRE', metaKey, ARGV[4])
redis.call('SET', sessionKey, ARGV[1])
redis.call('HSET', activeTurnsKey, ARGV[1], ARGV[2])

local reply = redis.call('HGETALL', metaKey)
table.insert(reply, 1, 1)
return reply
