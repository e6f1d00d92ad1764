-- Absolute-form requests through a proxy: wrk connects to the proxy, the request line names nginx.
-- TARGET (e.g. http://127.0.0.1:8081/small) comes from the environment.
local target = os.getenv("TARGET")
local authority = target:match("^http://([^/]+)")
wrk.method = "GET"
wrk.path = target
wrk.headers["Host"] = authority
