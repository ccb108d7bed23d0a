-- wrk script for the gateway overhead benchmark: POST /v1/chat/completions with a fixed short prompt.
--   BENCH_KEY          bearer key sent in Authorization (default: none)
--   BENCH_MODEL        "model" of the request (default: auto)
--   BENCH_CUSTOM_HOST  when set, adds the Portkey headers that point it at this OpenAI-compatible base URL
-- At the end it prints one machine-readable line:
--   RESULT requests=<n> duration_us=<n> rps=<x> p50_us=<n> p90_us=<n> p99_us=<n> max_us=<n> errors=<n> non2xx=<n>

local key = os.getenv("BENCH_KEY")
local model = os.getenv("BENCH_MODEL") or "auto"
local custom_host = os.getenv("BENCH_CUSTOM_HOST")

wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
if custom_host and custom_host ~= "" then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = custom_host
end
wrk.body = '{"model":"' .. model .. '","messages":[' ..
    '{"role":"system","content":"You are a concise assistant."},' ..
    '{"role":"user","content":"Summarise the difference between TCP and UDP in two sentences."}]}'

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
      "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, errors, e.status))
end
