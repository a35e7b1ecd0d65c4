/**
 * The two Lua scripts that make run starts exactly-once. Each runs atomically in Redis,
 * so concurrent deliveries (50 copies of one alert, an HA pair, retries) and several
 * lifeboat processes see one consistent order.
 *
 * START_SCRIPT decides, for one alert delivery (or one manual start), per matching plan:
 *   - Duplicate  when the run named after (plan, fingerprint, startsAt) already exists;
 *   - Suppressed when the plan has a run in progress, or is cooling down after a success;
 *   - RunStarted otherwise: it takes the plan's gate, writes the Pending RecoveryRun and
 *     the run's private state, and lists the run as unfinished;
 * and in the same step writes the delivery's ReceivedAlert with those outcomes. Records
 * are written in the store's format (`<rv>|<json>` in the kind's hash, the rv counter,
 * the change stream; see store/commit-script.ts), so watchers see them like any write.
 *
 * The caller matched the alert against the plans it had cached; it sends their
 * versions, and if the stored plans differ (one was applied, changed or deleted since),
 * the script writes nothing and returns {"PlansChanged"}: the caller re-reads the plans
 * and matches again. So matching is exact, and costs no extra round trip.
 *
 * KEYS: 1 rv counter, 2 change stream, 3 ReceivedAlert hash, 4 RecoveryRun hash,
 *       5 unfinished runs (hash run → plan), 6 RecoveryPlan hash, 7 ReceivedAlert index
 *       (sorted set field → received ms, for retention); then per candidate: active
 *       gate, cooldown, run state.
 * ARGV: 1 stream max length, 2 ReceivedAlert kind key, 3 RecoveryRun kind key,
 *       4 ReceivedAlert hash field ("" for a manual start), 5 the ReceivedAlert JSON
 *       without its closing brace, 6 receivedAt, 7 candidate count, 8 the "field|rv" of
 *       each plan the caller knows, one per line ("-": do not check), 9 receivedAt in
 *       milliseconds (the index score); then per candidate:
 *       plan, mode (run | record | manual), run name, RecoveryRun JSON, state JSON.
 *       The JSON may be "" when the caller hopes no run starts (most deliveries are
 *       duplicates or suppressed); if one would, the script writes nothing and returns
 *       {"NeedRecords"}, and the caller sends them. Decisions are made again then.
 * Returns outcome, run, reason for each candidate.
 */
export const START_SCRIPT = `
local function put(hash, field, body, kind)
  local existed = redis.call('HEXISTS', hash, field)
  local rv = redis.call('INCR', KEYS[1])
  redis.call('HSET', hash, field, rv .. '|' .. body)
  local event = 'ADDED'
  if existed == 1 then event = 'MODIFIED' end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'type', event, 'kind', kind, 'key', field, 'rv', tostring(rv))
end
local function str(s) return cjson.encode(s) end

-- The plans the caller matched against must be the stored ones.
if ARGV[8] ~= '-' then
  local m = 0
  for entry in string.gmatch(ARGV[8], '[^\\n]+') do
    m = m + 1
    local bar = string.find(entry, '|', 1, true)
    local v = redis.call('HGET', KEYS[6], string.sub(entry, 1, bar - 1))
    if not v or string.match(v, '^(%d+)|') ~= string.sub(entry, bar + 1) then return {'PlansChanged'} end
  end
  if redis.call('HLEN', KEYS[6]) ~= m then return {'PlansChanged'} end
end
local base = 9

-- First decide every candidate, writing nothing.
local n = tonumber(ARGV[7])
local decided = {}
for i = 1, n do
  local k = 7 + (i - 1) * 3
  local b = base + (i - 1) * 5
  local plan, mode, run, runJson = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
  local outcome, ref, reason = 'Recorded', '', ''
  if mode ~= 'record' then
    local active = redis.call('GET', KEYS[k + 1])
    if redis.call('HEXISTS', KEYS[4], '/' .. run) == 1 then
      outcome, ref = 'Duplicate', run
    elseif active then
      outcome, ref, reason = 'Suppressed', active, 'run ' .. active .. ' of plan ' .. plan .. ' is still in progress'
    else
      local cooling = false
      if mode ~= 'manual' then cooling = redis.call('GET', KEYS[k + 2]) end
      if cooling then
        local sep = string.find(cooling, '|', 1, true) or (#cooling + 1)
        ref = string.sub(cooling, 1, sep - 1)
        outcome = 'Suppressed'
        reason = 'plan ' .. plan .. ' succeeded in run ' .. ref .. '; cooling down until ' .. string.sub(cooling, sep + 1)
      elseif runJson == '' then
        -- A run would start but the caller sent no record: ask for it (nothing written yet).
        return {'NeedRecords'}
      else
        outcome, ref = 'RunStarted', run
      end
    end
  end
  decided[i] = {outcome, ref, reason}
end

-- Then write: the runs that start, and the delivery's record.
local out, matches, runs = {}, {}, {}
local started, duplicate, suppressed = false, false, false
for i = 1, n do
  local k = 7 + (i - 1) * 3
  local b = base + (i - 1) * 5
  local plan, run, runJson, state = ARGV[b + 1], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
  local outcome, ref, reason = decided[i][1], decided[i][2], decided[i][3]
  if outcome == 'RunStarted' then
    redis.call('SET', KEYS[k + 1], run)
    redis.call('HSET', KEYS[5], run, plan)
    redis.call('HSET', KEYS[k + 3], 'state', state)
    put(KEYS[4], '/' .. run, runJson, ARGV[3])
    started = true
  end
  if outcome == 'Duplicate' then duplicate = true end
  if outcome == 'Suppressed' then suppressed = true end
  if outcome == 'RunStarted' or outcome == 'Duplicate' then runs[#runs + 1] = str(ref) end
  local m = '{"plan":' .. str(plan) .. ',"outcome":"' .. outcome .. '"'
  if ref ~= '' then m = m .. ',"run":' .. str(ref) end
  if reason ~= '' then m = m .. ',"reason":' .. str(reason) end
  matches[#matches + 1] = m .. '}'
  out[#out + 1] = outcome
  out[#out + 1] = ref
  out[#out + 1] = reason
end

if ARGV[4] ~= '' then
  local summary = 'Recorded'
  if started then summary = 'RunStarted'
  elseif duplicate then summary = 'Duplicate'
  elseif suppressed then summary = 'Suppressed'
  elseif n == 0 then summary = 'NoMatchingPlan' end
  local status = ',"status":{"processed":true,"outcome":"' .. summary .. '","runs":[' .. table.concat(runs, ',') ..
    '],"matches":[' .. table.concat(matches, ',') .. '],"receivedAt":' .. str(ARGV[6]) .. '}}'
  put(KEYS[3], ARGV[4], ARGV[5] .. status, ARGV[2])
  redis.call('ZADD', KEYS[7], ARGV[9], ARGV[4])
end
return out
`;

/**
 * RELEASE_SCRIPT runs once a run is final: frees the plan's gate (if this run holds it),
 * starts the cooldown after a success, forgets the run as unfinished and drops its
 * private state. Running it twice is harmless.
 *
 * KEYS: 1 active gate, 2 cooldown, 3 unfinished runs, 4 run state.
 * ARGV: 1 run name, 2 cooldown value (`run|until`, "" for none), 3 cooldown TTL in ms.
 */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '' and tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
return 1
`;

/**
 * PRUNE_SCRIPT deletes one batch of ReceivedAlerts past the retention: those received
 * before the cutoff, and the oldest beyond the newest `keep`. Alerts an unfinished run
 * refers to are skipped (the caller names them). Deletes are written like the store's
 * (rv counter, DELETED on the change stream), so watchers see them.
 *
 * The alerts unfinished runs refer to are found here, in the same atomic step, so a
 * run that starts while the sweeper prunes cannot lose its alert.
 *
 * KEYS: 1 rv counter, 2 change stream, 3 ReceivedAlert hash, 4 ReceivedAlert index,
 *       5 unfinished runs (hash run → plan), 6 RecoveryRun hash.
 * ARGV: 1 stream max length, 2 ReceivedAlert kind key, 3 cutoff ms ("-1": no age limit),
 *       4 keep count ("0": no count limit), 5 batch size.
 * Returns {deleted, examined}: the caller runs it again while a full batch was examined.
 */
export const PRUNE_SCRIPT = `
local protected = {}
for _, run in ipairs(redis.call('HKEYS', KEYS[5])) do
  local raw = redis.call('HGET', KEYS[6], '/' .. run)
  if raw then
    local ok, rec = pcall(cjson.decode, string.sub(raw, (string.find(raw, '|', 1, true) or 0) + 1))
    local alert = ok and type(rec) == 'table' and type(rec.spec) == 'table' and type(rec.spec.trigger) == 'table' and rec.spec.trigger.alert
    if type(alert) == 'string' then protected['/' .. alert] = true end
  end
end
local batch = tonumber(ARGV[5])
local victims = {}
if tonumber(ARGV[3]) >= 0 then
  victims = redis.call('ZRANGE', KEYS[4], '-inf', ARGV[3], 'BYSCORE', 'LIMIT', 0, batch)
end
local keep = tonumber(ARGV[4])
if keep > 0 and #victims < batch then
  local excess = redis.call('ZCARD', KEYS[4]) - keep
  if excess > 0 then
    local oldest = redis.call('ZRANGE', KEYS[4], 0, math.min(excess, batch) - 1)
    local seen = {}
    for _, f in ipairs(victims) do seen[f] = true end
    for _, f in ipairs(oldest) do
      if not seen[f] then victims[#victims + 1] = f end
    end
  end
end
local deleted = 0
for _, field in ipairs(victims) do
  if not protected[field] then
    redis.call('ZREM', KEYS[4], field)
    if redis.call('HDEL', KEYS[3], field) == 1 then
      local rv = redis.call('INCR', KEYS[1])
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'type', 'DELETED', 'kind', ARGV[2], 'key', field, 'rv', tostring(rv))
      deleted = deleted + 1
    end
  end
end
return {deleted, #victims}
`;
