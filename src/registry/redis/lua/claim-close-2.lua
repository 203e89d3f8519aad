--[[
  The compare-and-set that decides how a turn ends: running -> closing. Freezes the log (appends
  are refused from now on) and records the status the turn will end with.

  Idempotent per claim id: the Redis client sends a command again after a reconnect when the
  dropped connection lost its reply. A repeat of the call that won finds the turn closing under its
  own claim id and answers "claimed" again, so the winner still publishes the close (otherwise the
  turn would stay closing until a sweeper's grace period ran out).

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] the terminal status to end with (completed | failed | cancelled)
    ARGV[2] active-turn TTL (ms)
    ARGV[3] the claim id, unique per call
    ARGV[4] the error (absent for none)

  Output:
    1  claimed: the caller must publish the close
    0  the turn is not running (another party claimed it, it ended, or it is unknown)
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

local state = redis.call('HMGET', metaKey, 'status', 'claimId')
if state[1] ~= 'running' then
  if state[1] == 'closing' and state[2] == ARGV[3] then
    return 1
  end
  return 0
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

redis.call('HSET', metaKey,
  'status', 'closing',
  'closingStatus', ARGV[1],
  'closingAt', string.format('%d', now),
  'claimId', ARGV[3])
if ARGV[4] then
  redis.call('HSET', metaKey, 'error', ARGV[4])
else
  redis.call('HDEL', metaKey, 'error')
end
redis.call('PEXPIRE', metaKey, ARGV[2])
redis.call('PEXPIRE', streamKey, ARGV[2])
return 1
