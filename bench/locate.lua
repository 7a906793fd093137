-- bench/locate.lua - wrk script of bench/run.sh: GET /api/v1/grids/locate
-- at a point drawn at random for each request, as phones ask which grid
-- they stand in.
--
--   wrk -s bench/locate.lua URL -- PLACES
--
-- PLACES is bench/case-places.py's file ("CATEGORY LAT LNG" per line, the
-- points inside the demo county's grids). Each request is the URL's path
-- with ?lat=&lng= of a random line: for nginx the path of its twin file,
-- whose static module ignores the query, so both servers get requests of
-- the same length. No response() function: wrk parses answers of neither.

local points = {}
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("thread_id", threads)
end

function init(args)
	local path = args[1]
	if not path then
		error("locate.lua: the places file is missing (-- PLACES)")
	end
	for line in io.lines(path) do
		local lat, lng = line:match("^%d+ ([%d.]+) ([%d.]+)$")
		if lat then
			points[#points + 1] = "?lat=" .. lat .. "&lng=" .. lng
		end
	end
	if #points == 0 then
		error("locate.lua: no points in " .. path)
	end
	math.randomseed(os.time() * 100 + (thread_id or 0))
end

function request()
	return wrk.format(nil, wrk.path .. points[math.random(#points)])
end
