/**
 * The one Lua script that writes objects. It checks every precondition first and only
 * then writes, so a batch is all or nothing, and it appends each change to the change
 * stream in the same atomic step, so no watcher can miss a write.
 *
 * It also bumps the kind's generation (a hash of kind → count of writes), so a cache of a
 * whole kind (the recovery engine's plans) can tell it is current from one number.
 *
 * KEYS[1] resourceVersion counter, KEYS[2] change stream, KEYS[3] kind generations,
 * KEYS[3+i] the hash of op i.
 * ARGV[1] stream max length; then 5 values per op: op (put|del), field, expectation
 * (any|absent|exists|rv:N), JSON body (put) or "" (del), kind key (for the event).
 * Returns {0, rv1, rv2, ...} or {code, opIndex, currentRv}: -1 conflict, -2 not found.
 * Values are stored as "<rv>|<json>" so a precondition reads the rv without decoding JSON.
 */
export const COMMIT_SCRIPT = `
local n = (#ARGV - 1) / 5
local current = {}
for i = 1, n do
  local b = 1 + (i - 1) * 5
  local op, field, expect = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3]
  local cur = redis.call('HGET', KEYS[3 + i], field)
  local currv = ''
  if cur then currv = string.match(cur, '^(%d+)|') end
  current[i] = cur
  if expect == 'absent' and cur then return {-1, i, currv} end
  if (expect == 'exists' or op == 'del') and not cur then return {-2, i, ''} end
  if string.sub(expect, 1, 3) == 'rv:' then
    if not cur then return {-2, i, ''} end
    if currv ~= string.sub(expect, 4) then return {-1, i, currv} end
  end
end
local out = {0}
for i = 1, n do
  local b = 1 + (i - 1) * 5
  local op, field, body, kind = ARGV[b + 1], ARGV[b + 2], ARGV[b + 4], ARGV[b + 5]
  local rv = redis.call('INCR', KEYS[1])
  local event
  if op == 'put' then
    redis.call('HSET', KEYS[3 + i], field, rv .. '|' .. body)
    if current[i] then event = 'MODIFIED' else event = 'ADDED' end
  else
    redis.call('HDEL', KEYS[3 + i], field)
    event = 'DELETED'
  end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'type', event, 'kind', kind, 'key', field, 'rv', tostring(rv))
  redis.call('HINCRBY', KEYS[3], kind, 1)
  out[i + 1] = rv
end
return out
`;
