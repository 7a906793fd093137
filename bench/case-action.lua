-- bench/case-action.lua - wrk script of bench/run.sh: POST
-- /api/v1/cases/{id}/actions/supervise with If-Match, as a county centre
-- presses cases that take too long (督办).
--
--   wrk -s bench/case-action.lua URL -- POOL THREADS [twin]
--
-- supervise (flows/event.json) is possible in every open state and leaves
-- the state as it is, so the same cases take it again and again; each
-- time the case's version goes up, and the next request must send the new
-- one in If-Match or get 409. POOL holds "ID VERSION" per line: cases the
-- account may supervise and their versions now (bench/run.sh reads them
-- before every run). Thread k of THREADS takes every THREADS-th line, so
-- no case is in two threads; a case is in flight on at most one
-- connection at a time, and comes back with the version of its answer's
-- ETag. Which case an answer is about: the request sends X-Request-Id
-- "bench-ID", which the server echoes. POOL must hold more cases than a
-- thread's connections, or requests wait for none and reuse a case in
-- flight (counted as 409s). wrk calls request() once on the first thread
-- before the run, to check the script, and never sends that request: its
-- case stays out of the ring, one of the pool's spares.
--
-- With "twin" (nginx, serving a stored answer at URL's path), requests
-- take the pool's cases in turn with the same headers and body, and the
-- answers go through the same parsing, unused; the request and the work
-- wrk does per answer are thus the same for both servers.

local pool = {}   -- this thread's cases: { id = , version = }
local by_id = {}  -- id -> pool entry
local free = {}   -- ring of pool entries not in flight
local first, last = 1, 0
local twin = false
local turn = 0
local base, body
local complained = false
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("thread_id", threads)
end

local function put(c)
	last = last + 1
	free[last] = c
end

local function take()
	if first > last then
		return nil
	end
	local c = free[first]
	free[first] = nil
	first = first + 1
	return c
end

function init(args)
	local path, nthreads = args[1], tonumber(args[2])
	if not path or not nthreads then
		error("case-action.lua: usage: -- POOL THREADS [twin]")
	end
	twin = args[3] == "twin"
	local me = (thread_id or 1) - 1
	local n = 0
	for line in io.lines(path) do
		local id, version = line:match("^(%d+) (%d+)$")
		if id then
			if n % nthreads == me then
				local c = { id = id, version = version }
				pool[#pool + 1] = c
				by_id[id] = c
				put(c)
			end
			n = n + 1
		end
	end
	if #pool == 0 then
		error("case-action.lua: no cases for thread " .. (me + 1) .. " in " .. path)
	end
	-- wrk.path is /api/v1/cases/ID/actions/supervise with any one ID (or
	-- the twin file); the ID goes where the digits are.
	base = wrk.path
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	body = '{"colour":"yellow","note":"超过受理时限，请尽快受理并反馈"}'
end

function request()
	local c
	if twin then
		turn = turn % #pool + 1
		c = pool[turn]
	else
		c = take() or pool[1]
	end
	local h = {}
	for k, v in pairs(wrk.headers) do
		h[k] = v
	end
	h["If-Match"] = '"' .. c.version .. '"'
	h["X-Request-Id"] = "bench-" .. c.id
	local path = twin and base or base:gsub("/cases/%d+/", "/cases/" .. c.id .. "/", 1)
	return wrk.format(nil, path, h, body)
end

function response(status, headers, answer)
	local rid = headers["X-Request-Id"]
	local id = rid and rid:match("^bench%-(%d+)$")
	local c = id and by_id[id]
	local etag = headers["ETag"]
	local version = etag and etag:match('^"(%d+)"$')
	if twin then
		return
	end
	if status == 200 and c and version then
		c.version = version
		put(c)
		return
	end
	if not complained then
		complained = true
		io.stderr:write("case-action.lua: answer " .. status .. ": " .. answer:sub(1, 300) .. "\n")
	end
	-- A stale version names the one the case has: take it and go on.
	local now = answer:match("version (%d+),")
	if c and now then
		c.version = now
		put(c)
	end
end
