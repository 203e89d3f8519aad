--[[
  The careful append, for when the fast one (a plain `XADD <last position>-0 NOMKSTREAM`, no
  script) was refused: the writer's idea of the last position was wrong (another process appended
  to the turn, or this call repeats one whose reply a dropped connection lost), the turn is closing
  or ended (claim-close-2.lua moved the stream's last id past every position), or the stream is
  missing (the turn vanished, or an earlier version opened it without the opening marker).

  Appends the chunks as one entry after the stream's last chunk if the turn is running. A repeat of
  an append that is already stored stores nothing: each append carries a nonce, and a turn's
  appends come one at a time, so a stored one is the stream's last entry.

  Entry layout (see redis-keys.ts): id `<p>-0`, fields `p <p>`, `a <nonce>`, then one `c <chunk>`
  per chunk; `p` is the position of the entry's last chunk, so its chunks hold positions
  p-n+1 .. p.

  Input:
    KEYS[1] turn meta hash
    KEYS[2] turn chunk stream

    ARGV[1] active-turn TTL (ms), for a stream this call creates
    ARGV[2] the append's nonce (the fast XADD's `a` field)
    ARGV[3..n] the chunks, JSON-encoded, in order

  Output:
    >= 0  the position of the last chunk
    -2    the turn is not running (closing, finished or unknown): nothing stored
]]
local metaKey = KEYS[1]
local streamKey = KEYS[2]

local state = redis.call('HMGET', metaKey, 'status', 'lastPosition')
if state[1] ~= 'running' then
  return -2
end
local count = #ARGV - 2
local top = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)
local last = 0
if top[1] then
  if top[1][1] ~= '0-1' then
    last = tonumber(string.match(top[1][1], '^(%d+)-'))
    if top[1][2][4] == ARGV[2] then
      return last
    end
  end
else
  -- No stream: a turn opened by an earlier version kept its last position in the hash.
  last = tonumber(state[2] or '0')
end
if count == 0 then
  return last
end

local position = last + count
local text = string.format('%d', position)
local entry = { 'p', text, 'a', ARGV[2] }
for index = 3, #ARGV do
  table.insert(entry, 'c')
  table.insert(entry, ARGV[index])
end
redis.call('XADD', streamKey, text .. '-0', unpack(entry))
if not top[1] then
  redis.call('PEXPIRE', streamKey, ARGV[1])
end
return position
