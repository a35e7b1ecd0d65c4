/**
 * The two Lua scripts that make run starts exactly-once. Each runs atomically in Redis,
 * so concurrent deliveries (50 copies of one alert, an HA pair, retries) and several
 * lifeboat processes see one consistent order.
 *
 * START_SCRIPT takes a batch of deliveries (alert deliveries and manual starts that one
 * process received together; see start-batch.ts) and handles them one after the other,
 * each as if alone. For one delivery it decides, per matching plan:
 *   - Duplicate  when the run named after (plan, fingerprint, startsAt) already exists;
 *   - Suppressed when the plan has a run in progress, or is cooling down after a success;
 *   - RunStarted otherwise: it takes the plan's gate, writes the Pending RecoveryRun and
 *     the run's private state, and lists the run as unfinished;
 * and in the same step writes the delivery's ReceivedAlert with those outcomes. Records
 * are written in the store's format (`<rv>|<json>` in the kind's hash, the rv counter,
 * the kind's generation; see store/commit-script.ts), so the generic API reads them like
 * any object. RecoveryRuns also go on the change stream; ReceivedAlerts do not: they are
 * an audit log no controller acts on, and in an alert storm they would be most of the
 * capped stream, costing every watcher a decode each and pushing out the changes
 * controllers need. A later delivery of the batch sees what earlier ones wrote.
 *
 * The caller matched each alert against the plans it had cached; it sends the plan
 * kind's generation as of that read (the store bumps it on every plan write), and if it
 * moved (a plan was applied, changed or deleted since), nothing is written for that
 * delivery and its answer is "PlansChanged": the caller re-reads the plans and matches
 * again. So matching is exact, and costs no extra round trip and one read here, however
 * many plans there are.
 *
 * KEYS: 1 rv counter, 2 change stream, 3 ReceivedAlert hash, 4 RecoveryRun hash,
 *       5 unfinished runs (hash run → plan), 6 kind generations, 7 ReceivedAlert index
 *       (sorted set field → received ms, for retention); then per delivery, per
 *       candidate: active gate, cooldown, run state.
 * ARGV: 1 stream max length, 2 ReceivedAlert kind key, 3 RecoveryRun kind key,
 *       4 RecoveryPlan kind key, 5 delivery count; then per delivery 6 values:
 *         ReceivedAlert hash field ("" for a manual start), the ReceivedAlert JSON
 *         without its closing brace, receivedAt, receivedAt in ms (the index score),
 *         the plan kind's generation matched against ("-": do not check), candidate count;
 *       followed by 5 per candidate: plan, mode (run | record | manual), run name,
 *         RecoveryRun JSON, state JSON.
 *       The JSON may be "" when the caller hopes no run starts (most deliveries are
 *       duplicates or suppressed); if one would, nothing is written for that delivery,
 *       its answer is "NeedRecords", and the caller sends it again with them.
 * Returns, per delivery: "Done" followed by outcome, run, reason for each candidate;
 * or "PlansChanged" / "NeedRecords" alone.
 */
export const START_SCRIPT = `
local function put(hash, field, body, kind, publish)
  local rv = redis.call('INCR', KEYS[1])
  if publish then
    local event = 'ADDED'
    if redis.call('HEXISTS', hash, field) == 1 then event = 'MODIFIED' end
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'type', event, 'kind', kind, 'key', field, 'rv', tostring(rv))
  end
  redis.call('HSET', hash, field, rv .. '|' .. body)
  redis.call('HINCRBY', KEYS[6], kind, 1)
end
local function str(s) return cjson.encode(s) end

-- Read once: this script writes no plans, so it cannot move within the batch.
local generation = nil

-- One delivery; k and b are the last KEYS and ARGV index before its own.
local function deliver(out, k, b)
  local field, json, receivedAt, receivedMs, gen = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
  local n = tonumber(ARGV[b + 6])
  b = b + 6

  -- The plans the caller matched against must be the stored ones.
  if gen ~= '-' then
    generation = generation or redis.call('HGET', KEYS[6], ARGV[4]) or '0'
    if generation ~= gen then
      out[#out + 1] = 'PlansChanged'
      return
    end
  end

  -- First decide every candidate, writing nothing.
  local decided = {}
  for i = 1, n do
    local kk = k + (i - 1) * 3
    local bb = b + (i - 1) * 5
    local plan, mode, run, runJson = ARGV[bb + 1], ARGV[bb + 2], ARGV[bb + 3], ARGV[bb + 4]
    local outcome, ref, reason = 'Recorded', '', ''
    if mode ~= 'record' then
      local active = redis.call('GET', KEYS[kk + 1])
      if redis.call('HEXISTS', KEYS[4], '/' .. run) == 1 then
        outcome, ref = 'Duplicate', run
      elseif active then
        outcome, ref, reason = 'Suppressed', active, 'run ' .. active .. ' of plan ' .. plan .. ' is still in progress'
      else
        local cooling = false
        if mode ~= 'manual' then cooling = redis.call('GET', KEYS[kk + 2]) end
        if cooling then
          local sep = string.find(cooling, '|', 1, true) or (#cooling + 1)
          ref = string.sub(cooling, 1, sep - 1)
          outcome = 'Suppressed'
          reason = 'plan ' .. plan .. ' succeeded in run ' .. ref .. '; cooling down until ' .. string.sub(cooling, sep + 1)
        elseif runJson == '' then
          -- A run would start but the caller sent no record: ask for it (nothing written yet).
          out[#out + 1] = 'NeedRecords'
          return
        else
          outcome, ref = 'RunStarted', run
        end
      end
    end
    decided[i] = {outcome, ref, reason}
  end

  -- Then write: the runs that start, and the delivery's record.
  out[#out + 1] = 'Done'
  local matches, runs = {}, {}
  local started, duplicate, suppressed = false, false, false
  for i = 1, n do
    local kk = k + (i - 1) * 3
    local bb = b + (i - 1) * 5
    local plan, run, runJson, state = ARGV[bb + 1], ARGV[bb + 3], ARGV[bb + 4], ARGV[bb + 5]
    local outcome, ref, reason = decided[i][1], decided[i][2], decided[i][3]
    if outcome == 'RunStarted' then
      redis.call('SET', KEYS[kk + 1], run)
      redis.call('HSET', KEYS[5], run, plan)
      redis.call('HSET', KEYS[kk + 3], 'state', state)
      put(KEYS[4], '/' .. run, runJson, ARGV[3], true)
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

  if field ~= '' then
    local summary = 'Recorded'
    if started then summary = 'RunStarted'
    elseif duplicate then summary = 'Duplicate'
    elseif suppressed then summary = 'Suppressed'
    elseif n == 0 then summary = 'NoMatchingPlan' end
    local status = ',"status":{"processed":true,"outcome":"' .. summary .. '","runs":[' .. table.concat(runs, ',') ..
      '],"matches":[' .. table.concat(matches, ',') .. '],"receivedAt":' .. str(receivedAt) .. '}}'
    put(KEYS[3], field, json .. status, ARGV[2], false)
    redis.call('ZADD', KEYS[7], receivedMs, field)
  end
end

local out = {}
local k, b = 7, 5
for _ = 1, tonumber(ARGV[5]) do
  local n = tonumber(ARGV[b + 6])
  deliver(out, k, b)
  k = k + n * 3
  b = b + 6 + n * 5
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
 * refers to are skipped. Like their writes, the deletes stay off the change stream
 * (see START_SCRIPT); the kind's generation moves.
 *
 * The alerts unfinished runs refer to are found here, in the same atomic step, so a
 * run that starts while the sweeper prunes cannot lose its alert.
 *
 * KEYS: 1 ReceivedAlert hash, 2 ReceivedAlert index, 3 unfinished runs (hash run → plan),
 *       4 RecoveryRun hash, 5 kind generations.
 * ARGV: 1 ReceivedAlert kind key, 2 cutoff ms ("-1": no age limit), 3 keep count
 *       ("0": no count limit), 4 batch size.
 * Returns {deleted, examined}: the caller runs it again while a full batch was examined.
 */
export const PRUNE_SCRIPT = `
local protected = {}
for _, run in ipairs(redis.call('HKEYS', KEYS[3])) do
  local raw = redis.call('HGET', KEYS[4], '/' .. run)
  if raw then
    local ok, rec = pcall(cjson.decode, string.sub(raw, (string.find(raw, '|', 1, true) or 0) + 1))
    local alert = ok and type(rec) == 'table' and type(rec.spec) == 'table' and type(rec.spec.trigger) == 'table' and rec.spec.trigger.alert
    if type(alert) == 'string' then protected['/' .. alert] = true end
  end
end
local batch = tonumber(ARGV[4])
local victims = {}
if tonumber(ARGV[2]) >= 0 then
  victims = redis.call('ZRANGE', KEYS[2], '-inf', ARGV[2], 'BYSCORE', 'LIMIT', 0, batch)
end
local keep = tonumber(ARGV[3])
if keep > 0 and #victims < batch then
  local excess = redis.call('ZCARD', KEYS[2]) - keep
  if excess > 0 then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, math.min(excess, batch) - 1)
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
    redis.call('ZREM', KEYS[2], field)
    if redis.call('HDEL', KEYS[1], field) == 1 then
      redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
      deleted = deleted + 1
    end
  end
end
return {deleted, #victims}
`;
