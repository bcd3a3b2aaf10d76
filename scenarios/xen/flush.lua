-- Field behaviour: cache flushes (feature-flush-cache) that a backend
-- refuses or fails make a guest's fsync lie. The kernel's blkback offers
-- flush and barrier over a loop device.
-- Verified 4 KiB random writes with a flush every 8 writes, plus FUA
-- writes from a second job.
-- Expectations prove: every flush and FUA write succeeds (no I/O
-- errors, the frontend never has to stop flushing), data reads back
-- intact, nothing hangs.
scenario {
	name = "xen-flush",
	description = "flush every 8 writes and FUA writes against the kernel's blkback",
	duration = param("duration", "1s"),
	mode = "real",
	timeout = "60s",
}

vm { name = "dom0", vcpus = 1 }
disk { name = "d0", vm = "dom0", size = "64M" }
job { name = "fsync8", disk = "d0", rw = "randwrite", bs = "4k",
      iodepth = 4, size = "16M", fsync = 8, verify = true }
job { name = "fua", disk = "d0", rw = "randwrite", bs = "4k", iodepth = 2,
      offset = "32M", size = "16M", fua = true, verify = true }

expect {
	iops_min = 1, verify_errors = 0, io_errors = 0, hangs = 0,
	check = function(r)
		return r["d0.durability_degraded"] == 0,
			string.format("flush refused %d time(s)",
				      r["d0.durability_degraded"])
	end,
}
