-- wrk: POST the same body on every request. The body and its type come from the environment
-- (bench/harness/loads.py writes the file), so one script serves single clicks and NDJSON batches.
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
