-- Field behaviour: a virtual disk with a volatile write cache loses what
-- was never flushed at a power failure; a disk that ignores flush loses
-- what the guest was told is safe (docs/scenarios.md).
-- Verified random writes with a flush every 16 writes; power is cut after
-- the 5th completed flush and at 150 ms; every sector is then judged.
-- Expectations prove: honouring flush loses nothing acknowledged before a
-- completed flush; ignoring it is reported as data loss, with the write
-- ids and the flush that should have covered them.
-- Real mode: all of it holds.
scenario {
	name = "power-loss",
	description = "power cut with a volatile cache: flush honoured vs ignored",
	duration = "250ms",
	seed = 3,
}

variants {
	{ "ignores-flush", "disk acknowledges flush, keeps data volatile" },
	{ "honours-flush", "disk makes flushed writes durable" },
}

vm { name = "vm0", vcpus = 2 }
disk {
	name = "d0", vm = "vm0", size = "64M",
	model = { latency_us = 100, flush_latency_us = 300, cache = "volatile",
		  flush_mode = pick { ["ignores-flush"] = "ignore-flush",
				      ["honours-flush"] = "honour" } },
}
job { name = "randwrite", disk = "d0", rw = "randwrite", bs = "4k",
      size = "4M", iodepth = 4, verify = true, fsync = 16 }

on_flush(5, function(ctx) ctx:power_cut("d0") end)
fault { at = "150ms", action = "power_cut", target = "d0" }

expect {
	durability = pick { ["ignores-flush"] = "loss", ["honours-flush"] = "ok" },
	verify_errors = 0,
	hangs = 0,
}
