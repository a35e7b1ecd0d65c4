-- wrk script for bench/webhook.ts: POSTs pre-built Alertmanager notifications (one JSON
-- body per line of args[1]) until args[2] answers have arrived, with the bearer token
-- args[3]; prints one JSON line of counts and latencies (microseconds). Run with -t1.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  limit = tonumber(args[2])
  headers = {}
  for k, v in pairs(wrk.headers) do
    headers[k] = v
  end
  headers["Authorization"] = "Bearer " .. args[3]
  headers["Content-Type"] = "application/json"
  sent, got, bad = 0, 0, 0
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/webhooks/alertmanager", headers, bodies[((sent - 1) % #bodies) + 1])
end

function response(status, _, _)
  got = got + 1
  if status ~= 202 then
    bad = bad + 1
  end
  if got >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, _)
  local t = threads[1]
  local e = summary.errors
  io.write(string.format(
    '{"sent":%d,"answered":%d,"non202":%d,"socketErrors":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    t:get("sent"), t:get("got"), t:get("bad"), e.connect + e.read + e.write + e.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
