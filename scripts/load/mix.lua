-- wrk load mix for wenshu serve: POST /v1/ask with a diverse set of questions.
-- Usage: wrk -t2 -c16 -d30s -s scripts/load/mix.lua http://127.0.0.1:8080 -- TOKEN [QUESTIONS_FILE]
-- QUESTIONS_FILE (default scripts/load/questions.txt, one question a line) comes from
-- scripts/load/make-mix.py STORE.db: >= 1,000 distinct questions, so no cache of a handful
-- of questions passes for speed. Without the file, the 12 questions below are used.
local questions = {
  "上个月工单量", "上个月各区投诉量排名", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多",
  "本月每天的工单量", "上个月工单量环比变化多少", "今年各渠道来源占比", "列出昨天的紧急工单",
  "本月西湖区满意率", "上周拱墅区的举报有几条", "近7天噪声扰民最多的是哪个街道", "上个月平均办理时长最长的五个部门",
}
local token = "load-test-token-1"
local counter = 0
local function load(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local qs = {}
  for line in f:lines() do
    if #line > 0 then qs[#qs + 1] = line:gsub("\\", "\\\\"):gsub('"', '\\"') end
  end
  f:close()
  if #qs > 0 then return qs end
  return nil
end
function init(args)
  if args[1] then token = args[1] end
  questions = load(args[2] or "scripts/load/questions.txt") or questions
  -- Each thread starts at a different place in the list.
  counter = math.random(#questions)
end
function request()
  counter = counter + 1
  local q = questions[(counter % #questions) + 1]
  local body = '{"question": "' .. q .. '"}'
  return wrk.format("POST", "/v1/ask", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  io.write(string.format("requests %d in %.1f s = %.0f answers/s, non-2xx/3xx %d, socket errors %d\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
