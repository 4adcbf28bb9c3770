-- wrk load mix for wenshu serve: a varied set of questions, POST /v1/ask.
-- Usage: wrk -t2 -c16 -d30s -s scripts/load/mix.lua http://127.0.0.1:8080 -- TOKEN
local questions = {
  "上个月工单量", "上个月各区投诉量排名", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多",
  "本月每天的工单量", "上个月工单量环比变化多少", "今年各渠道来源占比", "列出昨天的紧急工单",
  "本月西湖区满意率", "上周拱墅区的举报有几条", "近7天噪声扰民最多的是哪个街道", "上个月平均办理时长最长的五个部门",
}
local token = "load-test-token-1"
local counter = 0
function init(args)
  if args[1] then token = args[1] end
end
function request()
  counter = counter + 1
  local q = questions[(counter % #questions) + 1]
  local body = '{"question": "' .. q .. '"}'
  return wrk.format("POST", "/v1/ask", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/3xx %d, socket errors %d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
