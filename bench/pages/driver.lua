-- wrk script of the page benchmark. wrk.py prepends the data it needs:
--   expected_status  the one status a good answer has; every other status counts as an error
--   methods          e.g. {"GET"} or {"PUT", "DELETE"}: cycled through on one (identity, id) pair
--   path_format      a path, or a Lua format with %d when ids is not empty
--   ids              ids to pick from at random (ideas, rows); empty for a fixed path
--   identities       header tables (one per user: cookie or Bearer token), picked at random
--   body_format      body of a non-GET/DELETE request, with %d for a random user when random_user_max > 0
--   random_user_max  0, or the highest random user id the body names
-- wrk's Lua sees threads, not connections: each thread cycles its own pairs across its connections.

threads = {}
thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local fixed = nil
local identity, id, step = nil, nil, nil

local function pick(list)
  return list[math.random(#list)]
end

local function body_for(method)
  if method == "GET" or method == "DELETE" then
    return nil
  end
  if random_user_max > 0 then
    return string.format(body_format, math.random(random_user_max))
  end
  return body_format
end

local function format(method)
  local path = path_format
  if id ~= nil then
    path = string.format(path_format, id)
  end
  local headers = {}
  for name, value in pairs(identity) do
    headers[name] = value
  end
  return wrk.format(method, path, headers, body_for(method))
end

function init(args)
  math.randomseed(os.time() * 1000 + thread_id * 7919)
  unexpected = 0
  if #ids == 0 and #identities == 1 and #methods == 1 and random_user_max == 0 then
    identity = identities[1]
    fixed = format(methods[1])  -- the same bytes every time: no Lua work per request
  end
end

function request()
  if fixed ~= nil then
    return fixed
  end
  if step == nil or step > #methods then
    identity, step = pick(identities), 1
    id = (#ids > 0) and pick(ids) or nil
  end
  local method = methods[step]
  step = step + 1
  return format(method)
end

function response(status, headers, body)
  if status ~= expected_status then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("unexpected") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    "bench-result requests=%d duration_us=%.0f p50_us=%.0f p99_us=%.0f unexpected=%d "
      .. "connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), total,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status
  ))
end
