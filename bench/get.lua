-- wrk script: counts statuses of plain GETs (to be sure a fast run is not a run of errors).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do totals[status] = (totals[status] or 0) + count end
  end
  for status, count in pairs(totals) do io.write(string.format("status %d %d\n", status, count)) end
  -- Latency quantiles (microseconds), so the runs of several wrk processes (one per server
  -- instance, bench_common.wrk_spread) can be merged into one distribution.
  for tenth = 1, 999 do io.write(string.format("quantile %.1f %d\n", tenth / 10, latency:percentile(tenth / 10))) end
end
