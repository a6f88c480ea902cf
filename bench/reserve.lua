-- wrk script: buyers reserving 1-4 seats of one category, each request signed by the next token.
-- usage: wrk -s reserve.lua URL -- TOKENS_FILE EVENT_ID CATEGORY
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  path = "/api/v1/inventory/" .. args[2] .. "/reserve"
  category = args[3]
  counter = id * 7919
  math.randomseed(os.time() + id)
  statuses = {}
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = '{"categoryId":"' .. category .. '","ticketCount":' .. math.random(1, 4) .. '}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

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
