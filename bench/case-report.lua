-- bench/case-report.lua - wrk script of bench/run.sh: POST /api/v1/cases
-- with a new report each time, as a centre operator registers reports
-- phoned in from across the county.
--
--   wrk -s bench/case-report.lua URL -- PLACES [STOP_AFTER]
--
-- PLACES is a file written by bench/case-places.py, one line per place:
--   CATEGORY LAT LNG
-- (a minor event category and a point inside a grid of the county). Each
-- request takes the category of one line and the point of another, both
-- drawn at random, and a description made of a common complaint and a
-- random house number: reports spread over the county as they do, so that
-- duplicate search sees the mix of near and far, alike and unlike reports
-- it exists for, and not ever more reports at the same few spots. The
-- session header comes from wrk's -H.
--
-- Without STOP_AFTER the script defines no response(), so wrk does not
-- parse answers and loads nginx and wangge alike. With it (seeding), each
-- thread stops after STOP_AFTER answers, and any answer but 201 is written
-- to stderr with its status and body (bench/run.sh says how many).

local places = {}
local stop_after = nil
local answered = 0

local complaints = {
	"路边垃圾堆积多日无人清运，气味很大",
	"路灯不亮，夜间行人通行不便",
	"井盖松动，车辆经过有响声，存在安全隐患",
	"商铺占道经营，堵塞人行道",
	"施工噪音夜间扰民",
	"排水沟堵塞，下雨后路面积水",
	"电动车在楼道内充电，存在火灾隐患",
	"广告牌松动，大风天气可能坠落",
	"绿化带树木倒伏，压住围栏",
	"居民反映自来水水压不足",
	"小区门口车辆乱停乱放",
	"河道有漂浮垃圾，需要清理",
}

local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("thread_id", threads)
end

function init(args)
	local path = args[1]
	if not path then
		error("case-report.lua: the places file is missing (-- PLACES [STOP_AFTER])")
	end
	for line in io.lines(path) do
		local category, lat, lng = line:match("^(%d+) ([%d.]+) ([%d.]+)$")
		if category then
			places[#places + 1] = { category, lat, lng }
		end
	end
	if #places == 0 then
		error("case-report.lua: no places in " .. path)
	end
	math.randomseed(os.time() * 100 + (thread_id or 0))
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	if args[2] then
		stop_after = tonumber(args[2])
		response = function(status, headers, body)
			answered = answered + 1
			if status ~= 201 then
				io.stderr:write("case-report.lua: answer " .. status .. ": " .. body .. "\n")
			end
			if answered >= stop_after then
				wrk.thread:stop()
			end
		end
	end
end

function request()
	local category = places[math.random(#places)][1]
	local p = places[math.random(#places)]
	local text = complaints[math.random(#complaints)]
	local body = string.format(
		'{"category":"%s","description":"%s，门牌%d号附近","location":{"lat":%s,"lng":%s}}',
		category, text, math.random(1, 300), p[2], p[3])
	return wrk.format(nil, nil, nil, body)
end
