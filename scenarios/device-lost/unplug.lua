-- Field behaviour: `xl block-detach` of a busy disk left the guest's
-- I/O hanging for the driver's whole reconnect timeout, then failing
-- with no stated cause (docs/scenarios.md).
-- The toolstack detaches the disk as libxl's request_close does
-- (ctx:unplug: backend online = 0, then Closing) with 8 I/Os in flight;
-- the connect timeout is the default 30 s.
-- Expectations prove: the frontend takes it as the end of the device,
-- not as a reconnect: every I/O in flight or queued fails with -ENODEV
-- at once (no pause in completions, none hung, no connect timeout),
-- grants and ports are released once the backend is Closed, and the
-- results state why (device_notes: "unplugged by the toolstack").
scenario {
	name = "unplug",
	description = "toolstack detach (online = 0, Closing) with I/O in flight",
	duration = "300ms",
}

vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "64M", model = { latency_us = 50 } }
job { name = "busy", disk = "d0", rw = "randrw", iodepth = 8, verify = true }

fault { at = "100ms", action = "unplug", target = "d0" }

expect { hangs = 0, io_errors_min = 1, verify_errors = 0, leaks = 0,
	 check = function(r)
		return r["d0.timeouts"] == 0 and r["d0.connects"] == 1,
			string.format("%d connect timeouts, %d connects",
				      r["d0.timeouts"], r["d0.connects"])
	 end }
-- the I/O fails at the unplug itself: completions never pause longer
-- than a request
expect { pause_max_ms = 1, mode = "sim" }
