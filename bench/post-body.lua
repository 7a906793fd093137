-- bench/post-body.lua - wrk script of bench/run.sh: the same POST every
-- time, its JSON body read from a file (the sign-in row).
--
--   wrk -s bench/post-body.lua URL -- BODY_FILE
--
-- The request is built once (no request() function), so wrk sends it as
-- cheaply as a plain GET; no response() either, so wrk parses answers of
-- neither server.

function init(args)
	local path = args[1]
	if not path then
		error("post-body.lua: the body file is missing (-- BODY_FILE)")
	end
	local f = assert(io.open(path, "rb"))
	wrk.body = f:read("*a")
	f:close()
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
end
