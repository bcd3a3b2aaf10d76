-- Field behaviour: a misbehaving guest agent steps the guest's wall clock
-- (docs/scenarios.md). A driver that measures timeouts on the wall clock
-- then sees every armed timeout as expired.
-- The wall clock jumps 1 hour forward during I/O, and again while the
-- device reconnects after a backend restart.
-- Expectations prove: with monotonic timeouts (correct) nothing happens:
-- no spurious timeout, no watchdog recovery, no error, the reconnect
-- succeeds; the wall-clock variant is caught with spurious timeouts or
-- watchdog recoveries.
-- Real mode: all of it holds (the steps move the guest wall clock of the
-- real driver; the monotonic clock is the host's), except "no watchdog
-- recovery": a thread descheduled for a watchdog period on a loaded host
-- is a real stall there.
scenario {
	name = "wall-clock-step",
	description = "guest wall clock steps +1 h during I/O and during a reconnect",
	duration = "300ms",
}

variants {
	{ "monotonic", "timeouts on the monotonic clock (correct)" },
	{ "wall", "timeouts on the wall clock (broken driver)" },
}

vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "64M", model = { latency_us = 50 },
       watchdog = "20ms", connect_timeout = "2s",
       timeout_clock = variant == "wall" and "wall" or "monotonic" }
job { name = "rw", disk = "d0", rw = "randrw", iodepth = 4, verify = true }

fault { at = "100ms", action = "clock_step", target = "vm0", step_s = 3600 }
-- the backend is away 50 ms and the clock steps in the middle: a
-- harness thread late by up to 25 ms (real mode) still steps it there
fault { at = "200ms", action = "restart_backend", target = "d0", duration = "50ms" }
fault { at = "225ms", action = "clock_step", target = "vm0", step_s = 3600 }

if variant == "monotonic" then
	expect { hangs = 0, io_errors = 0, verify_errors = 0, check = function(r)
		return r["d0.timeouts"] == 0,
			string.format("%d timeouts, %d watchdog recoveries",
				      r["d0.timeouts"], r["d0.watchdog_recoveries"])
	end }
	-- a backend thread descheduled for a watchdog period on a loaded
	-- host is a legitimate recovery in real mode
	expect { mode = "sim", name = "no watchdog recovery", check = function(r)
		return r["d0.watchdog_recoveries"] == 0,
			string.format("%d watchdog recoveries",
				      r["d0.watchdog_recoveries"])
	end }
else
	expect { check = function(r)
		return r["d0.timeouts"] + r["d0.watchdog_recoveries"] > 0,
			string.format("%d spurious timeouts, %d spurious watchdog recoveries",
				      r["d0.timeouts"], r["d0.watchdog_recoveries"])
	end }
end
