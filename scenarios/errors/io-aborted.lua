-- Field behaviour: "I/O operation aborted" / "device no longer available"
-- when something on the host interferes with the storage path
-- (docs/scenarios.md, errors/).
-- The backend answers some requests with BLKIF_RSP_ERROR, refuses flush
-- with EOPNOTSUPP, stalls, or crashes with requests in flight.
-- Expectations prove: every request completes exactly once with a stated
-- error (io errors counted, none hung, none completed twice); a stalled
-- backend resumes without loss; a crashed backend fails the I/O cleanly
-- (the frontend reports the device gone) instead of hanging.
-- Real mode: all of it holds, except the bounds on the stall's I/O
-- pause (45..60 ms), wall-clock numbers on a loaded host: sim-only.
scenario {
	-- No name: the file's name is used (default/io-errors.lua links here).
	description = "backend errors, stalls and crash: every I/O completes once",
	duration = "300ms",
	timeout = "10s",
}

variants {
	{ "rsp-error", "50 reads and writes answered BLKIF_RSP_ERROR" },
	{ "stall", "backend stops answering for 50 ms, then resumes" },
	{ "crash", "backend crashes with I/O in flight" },
}

vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "64M", model = { latency_us = 50 },
       connect_timeout = "100ms" }
job { name = "mix", disk = "d0", rw = "randrw", bs = "4k", iodepth = 8,
      verify = true, fsync = 32 }

if variant == "rsp-error" then
	fault { at = "50ms", action = "error", target = "d0", count = 50,
		status = "error", op = "any" }
	expect { io_errors_min = 50, io_errors = 50, hangs = 0,
		 double_completions = 0, verify_errors = 0 }
elseif variant == "stall" then
	fault { at = "100ms", action = "stall_backend", target = "d0",
		duration = "50ms" }
	expect { io_errors = 0, hangs = 0, verify_errors = 0 }
	-- The pause spans the stall: in real mode a late stall timer on a
	-- loaded host shortens it, so both bounds are sim-only.
	expect { pause_max_ms = 60, mode = "sim",
		 check = function(r)
			return r.pause_max_ms >= 45, string.format("I/O paused %.1f ms", r.pause_max_ms)
		 end }
else
	on_inflight(8, function(ctx) ctx:crash_backend("d0") end)
	expect { hangs = 0, double_completions = 0, io_errors_min = 1 }
end
