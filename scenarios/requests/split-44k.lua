-- Field behaviour (bug class: request size limits): a blkif request
-- carries at most 11 segments of 4 KiB = 44 KiB. Larger I/O must be
-- split into several ring requests unless the backend offers indirect
-- descriptors (feature-max-indirect-segments).
-- 64 KiB random reads and writes, verified, with and without indirect
-- descriptors; the backend spends 10 us of CPU per ring request.
-- Expectations prove: without indirect descriptors every 64 KiB I/O
-- becomes exactly two ring requests, with them exactly one (an indirect
-- request); data is intact either way; the backend-bound IOPS halve when
-- requests are split (~50,000 vs ~100,000).
-- Real mode: requests per I/O and data integrity hold as they are; the
-- IOPS numbers come from the backend's CPU cost model: sim-only.
scenario {
	name = "split-44k",
	description = "64 KiB I/O: split into 44 KiB requests vs indirect descriptors",
	duration = "300ms",
}

variants {
	{ "no-indirect", "backend offers no indirect descriptors: split" },
	{ "indirect", "backend offers 32 indirect segments: one request" },
}

vm { name = "vm0", vcpus = 2 }
disk {
	name = "d0", vm = "vm0", size = "256M",
	backend = { indirect_segments = variant == "indirect" and 32 or 0,
		    cpu_us = 10 },
	model = { latency_us = 40 },
}
job { name = "w64k", disk = "d0", rw = "randrw", bs = "64k", iodepth = 8,
      verify = true }

local per_io = variant == "indirect" and 1 or 2
expect { iops_target = 1e5 / per_io, iops_tolerance_pct = 3, mode = "sim" }
expect {
	verify_errors = 0, io_errors = 0, hangs = 0,
	check = function(r)
		local ratio = r["d0.requests"] / r["d0.ios"]
		return math.abs(ratio - per_io) < 0.01,
			string.format("%.3f ring requests per I/O (%d indirect)",
				      ratio, r["d0.indirect_requests"])
	end,
}
