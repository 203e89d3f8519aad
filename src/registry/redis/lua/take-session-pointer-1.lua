--[[
  Moves a session's pointer from a turn that is no longer active to a new turn, if it still names
  the turn the caller saw (a compare-and-set; the caller checked that turn's state in the turn's
  own slot). The common case, a session without a pointer, takes it with `SET … NX GET` instead.

  Input:
    KEYS[1] session pointer (string: the active turn id)

    ARGV[1] the turn id the caller saw in the pointer
    ARGV[2] the new turn id

  Output:
    { 1 }               the pointer names the new turn
    { 0, <pointer> }    the pointer moved meanwhile ('' when it is gone): the caller looks again
]]
local pointer = redis.call('GET', KEYS[1])
if pointer == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return { 1 }
end
return { 0, pointer or '' }
