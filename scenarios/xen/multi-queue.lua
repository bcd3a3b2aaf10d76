-- Field behaviour: multi-queue blkif (multi-queue-max-queues): with one
-- queue per vCPU and the driver spreading I/O over them, completions
-- should arrive on every queue, not all on vCPU 0.
-- Two vCPUs, two verified random-read/write jobs (one per vCPU), the
-- frontend asks for two queues; how many it gets is what the kernel's
-- blkback offers (xen-blkback max_queues, by default its CPU count).
-- Expectations prove: data intact and every I/O completed on every
-- negotiated queue; the completion share per queue/vCPU is reported
-- (JSON "vcpus") but not judged: one queue is a legal negotiation.
scenario {
	name = "xen-multi-queue",
	description = "two queues, one verified job per vCPU, against the kernel's blkback",
	duration = param("duration", "1s"),
	mode = "real",
	timeout = "60s",
}

vm { name = "dom0", vcpus = 2, completion = "driver", preparation = "spread" }
disk { name = "d0", vm = "dom0", size = "64M", queues = 2 }
job { name = "mq", disk = "d0", rw = "randrw", bs = "4k", iodepth = 8,
      numjobs = 2, size = "32M", verify = true }

expect {
	iops_min = 1, verify_errors = 0, io_errors = 0, hangs = 0,
	check = function(r)
		local q = r["d0.queues"]
		return q >= 1 and q <= 2 and r["d0.ios"] > 0,
			string.format("%d queue(s) negotiated, %d I/Os",
				      q, r["d0.ios"])
	end,
}
