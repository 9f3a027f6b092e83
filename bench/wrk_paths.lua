-- wrk script (bench/load.py): cycles through the request paths in the file named by
-- PATHS, one a line; counts answers other than 200; prints one RESULT line.
local paths = {}
local file = os.getenv("PATHS")
for line in io.lines(file) do
  if #line > 0 then paths[#paths + 1] = line end
end
counter = 0
bad = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = offset * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.2f p50_us=%d p90_us=%d p99_us=%d max_us=%d non200=%d connect_err=%d read_err=%d write_err=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    b, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
