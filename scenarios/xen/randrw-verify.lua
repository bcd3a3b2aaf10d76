-- Field behaviour: a frontend that corrupts, loses or never completes
-- I/O on a real backend. On --platform xen (run in a dom0, --mode real)
-- the disk is the kernel's xen-blkback over a loop device; the frontend
-- is this project's blkfront on the xen platform.
-- 4 KiB random reads and writes, verified: every write carries its LBA,
-- write id and checksum, every read is checked.
-- Expectations prove: the data path is intact end to end (no verify or
-- I/O errors), every I/O completed (no hangs), I/O made progress and
-- the xenbus handshake ended Connected on both sides.
-- Nothing about speed: an emulated dom0 is slow.
scenario {
	name = "xen-randrw-verify",
	description = "4 KiB random read/write with verification against the kernel's blkback",
	duration = param("duration", "1s"),
	mode = "real",
	timeout = "60s",
}

vm { name = "dom0", vcpus = 1 }
disk { name = "d0", vm = "dom0", size = "64M" }
job { name = "randrw", disk = "d0", rw = "randrw", bs = "4k", iodepth = 8,
      size = "16M", verify = true }

expect { iops_min = 1, verify_errors = 0, io_errors = 0, hangs = 0,
	 double_completions = 0 }
-- The handshake as the harness's own xenstore watch saw it: both sides
-- ended Connected (intermediate states can be overwritten before a watch
-- event is read, so only the final ones are stated).
expect { xenbus = { d0 = { frontend_final = "Connected",
			   backend_final = "Connected" } } }
