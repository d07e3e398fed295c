-- wrk script for bench/endpoints.py, configured by environment variables:
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODY    form-urlencoded body (POST)
--   BENCH_AUTH    whole Authorization header value ("Basic ...", "Bearer ...")
--   BENCH_POOL    optional file of single-use values, one a line: every request sends
--                 BENCH_BODY .. urlencode(next line) and no line is sent twice. Thread k of T
--                 takes lines k, k+T, k+2T... (BENCH_THREADS = T). A thread that has run out
--                 stops (wrk.thread:stop()): the run ends early rather than measuring refusals
--                 (the request built at that moment carries "pool-exhausted" and is not awaited),
--                 and rps is taken over the time the threads actually ran.
-- Every response whose status is not 2xx is counted (wrk's own counter only sees >= 400).
-- done() prints, for endpoints.py to parse:
--   RESULT rps p50_ms p99_ms requests non2xx socket_errors
--   STATUS <code>=<count> ...        (non-2xx answers by status)
--   POOL size=<lines> sent=<requests built> exhausted=<requests built without a line> ran_s=<seconds>
local method = os.getenv("BENCH_METHOD") or "GET"
local body   = os.getenv("BENCH_BODY") or ""
local auth   = os.getenv("BENCH_AUTH") or ""
local pool   = os.getenv("BENCH_POOL") or ""
local stride = tonumber(os.getenv("BENCH_THREADS") or "1")

wrk.method = method
wrk.headers["Accept"] = "application/json"
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = body
end
if auth ~= "" then
  wrk.headers["Authorization"] = auth
end

-- A monotonic clock (LuaJIT's FFI, which wrk embeds) for the time a pool thread stopped.
local ok, ffi = pcall(require, "ffi")
local clock = nil
if ok then
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  clock = function()
    local ts = ffi.new("bench_timespec")
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
  end
end

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  non2xx, statuses, sent, exhausted, lines = 0, {}, 0, 0, 0
  started_at = clock and clock() or 0
  stopped_at = -1
  bodies = {}
  if pool == "" then return end
  for line in io.lines(pool) do
    if line ~= "" then
      if lines % stride == tid then bodies[#bodies + 1] = body .. urlencode(line) end
      lines = lines + 1
    end
  end
end

if pool ~= "" then
  function request()
    sent = sent + 1
    local b = bodies[sent]
    if not b then
      exhausted = exhausted + 1
      b = body .. "pool-exhausted"
      if stopped_at < 0 then
        stopped_at = clock and clock() or -1
        wrk.thread:stop()
      end
    end
    return wrk.format(nil, nil, nil, b)
  end
end

function response(status, headers, response_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

-- Seconds the threads ran: wrk's duration, unless a thread stopped early on an empty pool.
local function seconds_run(summary)
  local full = summary.duration / 1e6
  if not clock then return full end
  local first, last, stopped = nil, nil, false
  for _, t in ipairs(threads) do
    local s, e = t:get("started_at"), t:get("stopped_at")
    if e < 0 then e = s + full else stopped = true end
    first = first and math.min(first, s) or s
    last = last and math.max(last, e) or e
  end
  if not stopped then return full end
  return math.min(full, last - first)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = seconds_run(summary)
  local bad, sent_all, exhausted_all, lines_all, by_status = 0, 0, 0, 0, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    sent_all = sent_all + t:get("sent")
    exhausted_all = exhausted_all + t:get("exhausted")
    lines_all = t:get("lines")
    for code, n in pairs(t:get("statuses")) do by_status[code] = (by_status[code] or 0) + n end
  end
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, bad, e.connect + e.read + e.write + e.timeout))
  local parts = {}
  for code, n in pairs(by_status) do parts[#parts + 1] = string.format("%d=%d", code, n) end
  table.sort(parts)
  io.write("STATUS " .. table.concat(parts, " ") .. "\n")
  if pool ~= "" then
    io.write(string.format("POOL size=%d sent=%d exhausted=%d ran_s=%.3f\n", lines_all, sent_all, exhausted_all, seconds))
  end
end
