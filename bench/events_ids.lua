-- wrk script: GET /api/v1/events/{id} for every id of a file in turn (one id per line), each
-- thread starting at another place; counts statuses like get.lua.
-- wrk -t1 -c64 -d10s -s bench/events_ids.lua http://host:port -- ids.txt
local threads = {}
local counter = 0
function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  ids = {}
  for line in io.lines(args[1]) do table.insert(ids, line) end
  next_index = offset % #ids
  statuses = {}
end
function request()
  next_index = next_index % #ids + 1
  return wrk.format("GET", "/api/v1/events/" .. ids[next_index])
end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do totals[status] = (totals[status] or 0) + count end
  end
  for status, count in pairs(totals) do io.write(string.format("status %d %d\n", status, count)) end
end
