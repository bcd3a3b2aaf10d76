-- Field behaviour (bug class: disk geometry, the unit of the xenstore key
-- "sectors"): the backend publishes the disk size as "sectors". The
-- blkif.h text before 2024 said "in units of sector-size"; Linux blkback
-- has always written 512-byte units (the block layer's capacity), Linux
-- blkfront reads them so, and blkif.h was amended in 2024 to say so.
-- With 512-byte sectors nobody notices. With 4096-byte sectors a
-- frontend that follows the old text (as some Windows PV drivers did)
-- on a Linux backend sees a disk 8x too large: whatever the guest puts
-- on the upper 7/8 (a backup GPT header, file system metadata, data)
-- fails with I/O errors.
-- A 4 MiB disk with 4096-byte sectors behind a Linux-style backend;
-- the guest writes the disk it sees end to end once and reads it end to
-- end once (128 KiB I/Os, one ring request each).
-- Expectations prove: broken (frontend reads sector-size units): the
-- guest sees 32 MiB (d0.capacity_bytes); of the 256 I/Os of each pass,
-- the 32 inside the real disk succeed and the 224 beyond it each
-- complete once with an error the backend gave (refused as past its
-- end): 448 errors, no I/O lost or completed twice. Fixed (512-byte
-- units, the Linux reading): the guest sees exactly 4 MiB, 32 I/Os per
-- pass, no error, nothing reaches past the end.
-- Real mode: all of it (counts, not timing).
scenario {
	name = "sectors-unit-4k",
	description = "4096-byte sectors: a frontend reading \"sectors\" in sector-size units sees 8x the disk, I/O to the upper part fails",
	duration = "2s",
}

variants {
	{ "broken", "frontend reads sectors x sector-size, backend writes 512-byte units" },
	{ "fixed", "both use 512-byte units (Linux blkback and blkfront)" },
}

local size = 4 * 1024 * 1024
local bs = 128 * 1024
-- What the guest will see: the frontend multiplies the backend's count
-- of 512-byte units by 4096 in the broken variant.
local seen = variant == "broken" and 8 * size or size
local per_pass = seen // bs
local bad_per_pass = (seen - size) // bs

vm { name = "vm0", vcpus = 1 }
disk {
	name = "d0", vm = "vm0", size = size, sector_size = 4096,
	sectors_unit = pick { broken = "sector-size", fixed = "512" },
	backend = { sectors_unit = "512", indirect_segments = 32 },
	model = { latency_us = 20 },
}
job { name = "format", disk = "d0", rw = "write", bs = bs, iodepth = 4,
      io_size = seen }
job { name = "scan", disk = "d0", rw = "read", bs = bs, iodepth = 4,
      io_size = seen }

expect {
	name = "every I/O completes exactly once",
	hangs = 0, double_completions = 0, leaks = 0,
}
expect {
	name = "I/O errors: the part of the disk that does not exist",
	io_errors = 2 * bad_per_pass, io_errors_min = 2 * bad_per_pass,
}
expect {
	name = "disk size seen and where the errors came from",
	check = function(r)
		local cap = r["d0.capacity_bytes"]
		local past = r["d0.backend.past_end"]
		local ios = r["d0.ios"]
		return cap == seen and past == 2 * bad_per_pass and
		       r["d0.backend.rsp_error"] == 2 * bad_per_pass and
		       ios == 2 * per_pass,
			string.format("guest sees %d MiB of a %d MiB disk; %d I/Os, " ..
				      "%d refused by the backend as past its end",
				      cap // 1048576, size // 1048576, ios, past)
	end,
}
