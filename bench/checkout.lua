-- wrk script: buyers placing 1-4-seat orders (POST /api/v1/orders) paid with the success card,
-- each signed by the next token and with an Idempotency-Key of its own.
-- usage: wrk -s checkout.lua URL -- TOKENS_FILE EVENT_ID CATEGORY CARD_NUMBER
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  event = args[2]
  category = args[3]
  number = args[4]
  counter = id * 7919
  run = tostring(os.time())
  math.randomseed(os.time() + id)
  statuses = {}
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = '{"eventId":"' .. event .. '","items":[{"categoryId":"' .. category .. '","ticketCount":' ..
      math.random(1, 4) .. '}],"payment":{"method":"CreditCard","card":{"number":"' .. number ..
      '","expMonth":12,"expYear":2030,"cvc":"123","holderName":"Bench Buyer"}}}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. id .. "-" .. counter}, body)
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
end
