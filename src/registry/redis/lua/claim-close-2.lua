--[[
  The compare-and-set that decides how a turn ends: running -> closing. Freezes the log and records
  the status the turn will end with. The freeze is the stream's own: its last id moves to the
  largest id there is (`18446744073709551615-0`), so every later `XADD <position>-0` of a writer
  that has not heard yet fails in Redis itself — appends need no state check of their own.

  Idempotent per claim id: the Redis client sends a command again after a reconnect when the
  dropped connection lost its reply. A repeat of the call that won finds the turn closing under its
  own claim id and answers "claimed" again, so the winner still publishes the close (otherwise the
  turn would stay closing until a sweeper's grace period ran out).

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] the terminal status to end with (completed | failed | cancelled)
    ARGV[2] the claim id, unique per call
    ARGV[3] the error (absent for none)

  Output:
    1  claimed: the caller must publish the close
    0  the turn is not running (another party claimed it, it ended, or it is unknown)
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

local state = redis.call('HMGET', metaKey, 'status', 'claimId')
if state[1] ~= 'running' then
  if state[1] == 'closing' and state[2] == ARGV[2] then
    return 1
  end
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local fields = {
  'status', 'closing',
  'closingStatus', ARGV[1],
  'closingAt', string.format('%d', now),
  'claimId', ARGV[2],
}
if ARGV[3] then
  table.insert(fields, 'error')
  table.insert(fields, ARGV[3])
end
redis.call('HSET', metaKey, unpack(fields))
-- A turn an earlier version opened may have no stream yet; the status alone freezes it then.
redis.pcall('XSETID', streamKey, '18446744073709551615-0')
return 1
