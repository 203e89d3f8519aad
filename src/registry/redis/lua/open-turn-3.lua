--[[
  Creates a running turn: its state hash, its chunk stream (with the opening marker `0-1`, so
  appends may use XADD NOMKSTREAM and a turn whose keys expired refuses them) and its entry in the
  active-turn index of its bucket. It does not take the session: the caller does that next, in the
  session's own slot (`SET … NX GET`, or take-session-pointer-1.lua), and discards this turn
  (discard-turn-3.lua) when the session turns out to be busy.

  Idempotent: the Redis client sends a command again after a reconnect when the dropped connection
  lost its reply. Turn ids are unique per call, so a running turn with this id, these messages and
  nothing appended yet is the first run's turn: the repeat answers as the first run did.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream
    KEYS[3] active-turn index of the turn's bucket (hash: turn id -> session id)

    ARGV[1] turn id
    ARGV[2] session id
    ARGV[3] active-turn TTL (ms)
    ARGV[4] user message id
    ARGV[5] assistant message id
    ARGV[6] request key (what identifies the request that opens the turn)
    ARGV[7] enqueue timeout (ms): the turn must be confirmed (confirm-turn-1.lua) by its creation
            time plus this, or it counts as abandoned; '' for none (confirmed from the start)
    ARGV[8] user id (absent for an anonymous turn)

  Output:
    { 1, createdAt, enqueueDeadline or '' }  created (or this is a repeat of the call that did)
    { -4 }                                   another turn with this id already exists
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]
local activeTurnsKey = KEYS[3]

-- The opening marker doubles as the existence check: it is the smallest id there is, so adding it
-- fails on any stream that exists.
local marked = redis.pcall('XADD', streamKey, '0-1', 'open', '1')
if type(marked) == 'table' and marked.err then
  local existing = redis.call('HMGET', metaKey, 'sessionId', 'userMessageId', 'assistantMessageId',
    'status', 'createdAt', 'enqueueDeadline')
  if existing[1] == ARGV[2] and existing[2] == ARGV[4] and existing[3] == ARGV[5]
      and existing[4] == 'running' then
    local top = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)
    if top[1] and top[1][1] == '0-1' then
      return { 1, existing[5], existing[6] or '' }
    end
  end
  return { -4 }
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local createdAt = string.format('%d', now)
local deadline = ''
if ARGV[7] ~= '' then
  deadline = string.format('%d', now + tonumber(ARGV[7]))
end
local fields = {
  'turnId', ARGV[1],
  'sessionId', ARGV[2],
  'userMessageId', ARGV[4],
  'assistantMessageId', ARGV[5],
  'requestKey', ARGV[6],
  'status', 'running',
  'cancelRequested', '0',
  'createdAt', createdAt,
}
if deadline ~= '' then
  table.insert(fields, 'enqueueDeadline')
  table.insert(fields, deadline)
end
if ARGV[8] then
  table.insert(fields, 'userId')
  table.insert(fields, ARGV[8])
end
redis.call('HSET', metaKey, unpack(fields))
redis.call('PEXPIRE', metaKey, ARGV[3])
redis.call('PEXPIRE', streamKey, ARGV[3])
redis.call('HSET', activeTurnsKey, ARGV[1], ARGV[2])
return { 1, createdAt, deadline }
