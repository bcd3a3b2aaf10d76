-- Field behaviour: virtual disks report a volatile write-back cache;
-- only flush (BLKIF_OP_FLUSH_DISKCACHE) or FUA (carried by
-- BLKIF_OP_WRITE_BARRIER) make data durable, and cheap disks ignore
-- them (docs/scenarios.md).
-- Random verified writes with a flush every 16 writes; power is cut at
-- every flush completion (about 800 in this run; the hook list covers
-- 1024) and at three seeded random times inside epochs. After every cut
-- each sector is read back and judged.
-- Expectations prove: a disk that honours flush loses nothing that was
-- acknowledged before a completed flush; one that ignores flush (or FUA)
-- is caught as data loss with the lost write ids; a frontend that stops
-- flushing after EOPNOTSUPP is reported as "degraded", never as "ok";
-- a backend that hides a volatile cache (offers neither barrier nor
-- flush) loses FUA writes, and the frontend flags its FUA writes as
-- unprotected (durability degraded) on that connection.
-- Real mode: all of it holds. I/O in flight at a cut may land before or
-- after it, so it is legal there but never counted as guaranteed.
scenario {
	name = "flush-power-loss",
	description = "power loss with a volatile write cache: flush/FUA honoured vs ignored",
	duration = "400ms",
	seed = 7,
}

variants {
	{ "honour", "disk honours flush: nothing acknowledged+flushed is lost" },
	{ "ignore-flush", "disk acknowledges flush but keeps data volatile" },
	{ "ignore-fua", "writes sent FUA (barrier); the disk ignores FUA" },
	{ "eopnotsupp", "disk refuses flush: frontend stops flushing" },
	{ "no-flush", "writes sent FUA; the backend hides its volatile cache (no barrier, no flush)" },
}

vm { name = "vm0", vcpus = 2 }

disk {
	name = "d0",
	vm = "vm0",
	size = "64M",
	backend = { barrier = variant == "ignore-fua",
		    flush = variant ~= "no-flush" },
	model = {
		latency_us = 100,
		flush_latency_us = 300,
		cache = "volatile",
		flush_mode = pick { honour = "honour", ["ignore-flush"] = "ignore-flush",
				    ["ignore-fua"] = "ignore-fua", eopnotsupp = "eopnotsupp",
				    ["no-flush"] = "honour" },
	},
}

job {
	name = "randwrite",
	disk = "d0",
	rw = "randwrite",
	bs = "4k",
	size = "4M",
	iodepth = 4,
	verify = true,
	fsync = (variant == "ignore-fua" or variant == "no-flush") and 0 or 16,
	fua = variant == "ignore-fua" or variant == "no-flush",
}

-- A power cut at every flush completion (each persistence point); the
-- seeded random cuts below land inside epochs.
for n = 1, 1024 do
	on_flush(n, function(ctx) ctx:power_cut("d0") end)
end
on_write(100, function(ctx)
	if variant == "ignore-fua" or variant == "no-flush" then ctx:power_cut("d0") end
end)
for _ = 1, 3 do
	fault { at = math.random(20, 380) .. "ms", action = "power_cut", target = "d0" }
end

expect {
	durability = pick { honour = "ok", ["ignore-flush"] = "loss",
			    ["ignore-fua"] = "loss", eopnotsupp = "degraded",
			    ["no-flush"] = "loss" },
	verify_errors = 0,
	hangs = 0,
}
if variant == "no-flush" then
	-- The frontend cannot make FUA durable and says so.
	expect { check = function(r)
		return r["d0.fua_unprotected"] > 0 and r["d0.durability_degraded"] == 1,
			string.format("%d FUA writes sent unprotected, degraded raised %d time(s)",
				      r["d0.fua_unprotected"], r["d0.durability_degraded"])
	end }
end
