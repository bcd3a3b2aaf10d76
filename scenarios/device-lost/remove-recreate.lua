-- Field behaviour: a cleanup job removed a PV device that looked idle;
-- after the next restart the guest had no storage until the driver state
-- was repaired (docs/scenarios.md).
-- The toolstack removes the device's xenstore directories (frontend and
-- backend) and re-creates them 20 ms later, while idle and while I/O is
-- in flight; in the last variant the backend never leaves InitWait.
-- Expectations prove: the frontend notices, tears down and reconnects
-- transparently (I/O held, then completed without error, none lost or
-- hung, no grant or event channel leaked) and reports the time to
-- Connected; a backend stuck in InitWait ends in clean -ENODEV errors
-- after the frontend's connect timeout, not in a hang, and the harness
-- reports the handshake wedged with the frontend Initialised and the
-- backend in InitWait.
-- Real mode: all of it holds except the bound on the I/O pause (50 ms),
-- a wall-clock number on a loaded host: sim-only. (stuck-initwait takes
-- about 5 s of wall time there: the harness waits for the connection.)
scenario {
	name = "remove-recreate",
	description = "PV device removed and re-created under the frontend",
	duration = "300ms",
}

variants {
	{ "idle", "removed and re-created while no I/O is in flight" },
	{ "inflight", "removed with 8 I/Os in flight" },
	{ "stuck-initwait", "backend waits in InitWait forever" },
}

vm { name = "vm0", vcpus = 2 }
disk {
	name = "d0", vm = "vm0", size = "64M",
	model = { latency_us = 50 },
	backend = { path = variant == "stuck-initwait" and "stuck-initwait" or "normal" },
	connect_timeout = "1s",
}

if variant == "idle" then
	-- a job that pauses: it ends at 100 ms, a second one starts at 200 ms
	job { name = "before", disk = "d0", rw = "randrw", iodepth = 4,
	      verify = true, runtime = "100ms", size = "32M" }
	job { name = "after", disk = "d0", rw = "randrw", iodepth = 4,
	      verify = true, startdelay = "200ms", runtime = "100ms",
	      offset = "32M" }
	fault { at = "150ms", action = "remove_device", target = "d0",
		duration = "20ms" }
	expect { io_errors = 0, hangs = 0, verify_errors = 0, leaks = 0,
		 check = function(r) return r["d0.connects"] == 2,
			 string.format("%d connects", r["d0.connects"]) end }
elseif variant == "inflight" then
	job { name = "busy", disk = "d0", rw = "randrw", iodepth = 8,
	      verify = true }
	on_inflight(8, function(ctx) ctx:remove_device("d0", "20ms") end)
	expect { pause_max_ms = 50, mode = "sim" }
	expect { io_errors = 0, hangs = 0, verify_errors = 0, leaks = 0,
		 check = function(r)
			return r["d0.connects"] == 2,
				string.format("%d connects, I/O paused %.1f ms, reconnect %.1f ms",
					      r["d0.connects"], r.pause_max_ms, r.reconnect_max_ms)
		 end }
else
	job { name = "waits", disk = "d0", rw = "randread", iodepth = 4 }
	expect { hangs = 0, io_errors_min = 1, leaks = 0 }
	-- The handshake stops where the backend waits: reported as a wedge.
	expect { wedges = 1, xenbus = { d0 = { frontend_final = "Initialised",
					       backend_final = "InitWait" } } }
end
