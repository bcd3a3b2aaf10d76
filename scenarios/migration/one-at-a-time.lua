-- Field behaviour: a host takes part in one live migration at a time, so
-- evacuating several VMs through one host takes the sum of their
-- migration times, not the longest one (docs/scenarios.md).
-- Three 128 MiB VMs under light disk load are asked to migrate at the
-- same moment. "shared-destination": from three hosts to one host;
-- "shared-source": from one host to three hosts; "disjoint": three
-- sources to three destinations. A request whose source or destination
-- is busy waits, first come first served, and starts when both are free.
-- Expectations prove: when a host is shared, vm2 waits as long as vm1's
-- migration took and vm3 as long as vm1's and vm2's together (within
-- 1 % + 1 ms in sim; 10 % + 20 ms in real mode, where a wait also covers
-- the previous VM's reconnect on busy threads), so the
-- evacuation takes three migration times; with disjoint hosts nobody
-- waits and it takes one; I/O never fails or hangs and its pause stays
-- far below a pre-copy (sim: the modelled downtime plus a request).
scenario {
	name = "one-at-a-time",
	description = "live migrations serialise on a shared host",
	duration = "500ms",
}

variants {
	{ "shared-destination", "a, b, c -> dst: the destination serialises" },
	{ "shared-source", "src -> x, y, z: the source serialises" },
	{ "disjoint", "a -> x, b -> y, c -> z: all three at once" },
}

local from = { "a", "b", "c" }
local to = { "dst", "dst", "dst" }
if variant == "shared-source" then
	from = { "src", "src", "src" }
	to = { "x", "y", "z" }
elseif variant == "disjoint" then
	to = { "x", "y", "z" }
end
for _, h in ipairs({ "a", "b", "c", "src", "dst", "x", "y", "z" }) do
	host { name = h }
end

for i = 1, 3 do
	vm { name = "vm" .. i, host = from[i], memory = "128M",
	     dirty_rate = "16M" }
	disk { name = "d" .. i, vm = "vm" .. i, size = "64M",
	       model = { latency_us = 200 } }
	job { name = "io" .. i, disk = "d" .. i, rw = "randrw", bs = "4k",
	      iodepth = 2, rate_iops = 2000 }
	fault { at = "20ms", action = "migrate", target = "vm" .. i, to = to[i] }
end

local serial = variant ~= "disjoint"
-- Both modes: who waits for whom, and no failed or hung I/O. Sim is
-- exact (each figure rounded down to a microsecond); in real mode a wait
-- also covers the previous VM's reconnect on busy threads.
local function serialisation(r, slack_pct, slack_us)
	local m1, m2, m3 = r["vm1.migration_us"], r["vm2.migration_us"],
		r["vm3.migration_us"]
	local w2, w3 = r["vm2.migration_wait_us"], r["vm3.migration_wait_us"]
	local last = math.max(r["vm1.migration_end_us"],
		r["vm2.migration_end_us"], r["vm3.migration_end_us"])
	local all = last - 20000
	local function near(a, b)
		return math.abs(a - b) <= b * slack_pct / 100 + slack_us
	end
	local ok = r["vm1.migrations"] == 1 and r["vm2.migrations"] == 1 and
		r["vm3.migrations"] == 1 and r["vm1.migration_wait_us"] < slack_us
	if serial then
		ok = ok and near(w2, m1) and near(w3, m1 + m2) and
			near(all, m1 + m2 + m3)
	else
		ok = ok and w2 < slack_us and w3 < slack_us and
			near(all, math.max(m1, m2, m3))
	end
	return ok, string.format(
		"%.0f/%.0f/%.0f ms each, vm2 waited %.0f, vm3 %.0f; all done in %.0f ms",
		m1 / 1000, m2 / 1000, m3 / 1000, w2 / 1000, w3 / 1000, all / 1000)
end

expect {
	mode = "sim", io_errors = 0, hangs = 0, double_completions = 0,
	pause_max_ms = 20,
	check = function(r) return serialisation(r, 1, 1000) end,
}
expect {
	mode = "real", io_errors = 0, hangs = 0, double_completions = 0,
	check = function(r) return serialisation(r, 10, 20000) end,
}
