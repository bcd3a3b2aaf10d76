-- Field behaviour: live migration moves a running VM to another host; the
-- destination's backend may offer fewer features (SCENARIOS.md #7).
-- Two VMs doing verified 64 KiB I/O (more than 8 indirect segments) are suspended, their vbds moved to a
-- host without persistent grants, with 8 indirect segments and a single
-- queue, and resumed (both at once in the "two-at-once" variant).
-- Expectations prove: I/O in flight at suspend is re-issued exactly once
-- (re-split for the smaller request limit), nothing fails, hangs or is
-- corrupted, the frontends renegotiate (one queue after the move) and the
-- I/O pause stays below 50 ms.
scenario {
	name = "fewer-features",
	description = "live migration to a host with fewer blkback features",
	duration = "400ms",
}

variants {
	{ "one", "vm1 migrates at 150 ms, vm2 at 250 ms" },
	{ "two-at-once", "both VMs migrate at 150 ms" },
}

host { name = "src" }
host { name = "dst", blk = { persistent_grants = false, indirect_segments = 8,
			     queues = 1 } }

for i = 1, 2 do
	vm { name = "vm" .. i, host = "src", vcpus = 2, completion = "driver" }
	disk { name = "d" .. i, vm = "vm" .. i, size = "128M",
	       backend = { queues = 2, indirect_segments = 32 },
	       model = { latency_us = 1000 } }
	job { name = "io" .. i, disk = "d" .. i, rw = "randrw", bs = "64k",
	      iodepth = 4, verify = true }
end

fault { at = "150ms", action = "migrate", target = "vm1", to = "dst" }
fault { at = variant == "two-at-once" and "150ms" or "250ms",
	action = "migrate", target = "vm2", to = "dst" }

expect {
	io_errors = 0, hangs = 0, verify_errors = 0, double_completions = 0,
	pause_max_ms = 50,
	check = function(r)
		return r["d1.queues"] == 1 and r["d2.queues"] == 1 and
		       r["d1.connects"] == 2 and r["d2.connects"] == 2,
			string.format("queues %d/%d after, connects %d/%d, %d reissued",
				      r["d1.queues"], r["d2.queues"], r["d1.connects"],
				      r["d2.connects"], r["d1.reissued"] + r["d2.reissued"])
	end,
}
