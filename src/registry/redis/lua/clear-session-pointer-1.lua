--[[
  Frees a session whose turn ended: deletes its pointer if it still names that turn (a later turn
  may have taken it already, see take-session-pointer-1.lua).

  Input:
    KEYS[1] session pointer

    ARGV[1] the ended turn's id

  Output:
    1  deleted
    0  it named another turn, or none
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
