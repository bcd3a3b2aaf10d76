-- Field behaviour: a backend that went straight from Connected to
-- Closed (its host-side device torn down, a backend driver that skips
-- Closing on an error path) left a frontend waiting for a Closing that
-- never came, with its I/O hung (docs/scenarios.md). Closed without
-- Closing is legal (blkif.h, netif.h: a backend may go Closed at any
-- time); a frontend that only acts on Closing never gives its I/O
-- back. The backends of a busy disk and of a vif with a flow write
-- Closed at 20 ms, their directories left in place, and then act as
-- Closed backends: they drop their rings (in-flight requests get no
-- response) and answer a frontend that re-initialises with InitWait.
-- Expectations prove: the frontends take their I/O back, write Closed
-- then Initialising and connect a second time; every I/O completes once
-- without error (none hung, reads verified), every frame of the flow
-- arrives, nothing leaks.
-- Real mode: all of it holds.
scenario {
	name = "closed-without-closing",
	description = "backends jump from Connected to Closed without Closing",
	duration = "100ms",
}

vm { name = "vm0", vcpus = 1 }
vm { name = "vm1", vcpus = 1 }
disk { name = "d0", vm = "vm0", size = "16M", connect_timeout = "1s",
       model = { latency_us = 200 } }
job { name = "rw", disk = "d0", rw = "randrw", iodepth = 8, verify = true }
vif { name = "vif0", vm = "vm0" }
vif { name = "vif1", vm = "vm1" }
flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
       msg_size = 1400, rate = "1M" }

local before = 0
at("20ms", function(ctx)
	before = ctx:counter("d0.completions")
	ctx:set_backend_state("d0", "closed")
	ctx:set_backend_state("vif0", "closed")
end)

expect { io_errors = 0, hangs = 0, verify_errors = 0, leaks = 0,
	 check = function(r)
		local sent, after = r["f0.tx.sent"], r["d0.ios"] - before
		return r["d0.connects"] == 2 and after > 0 and
			r["vif0.connects"] == 2 and sent > 0 and
			r["f0.rx.good"] == sent,
			string.format("d0: %d connects, %d I/Os after the Closed; " ..
				      "vif0: %d connects, %d of %d frames arrived",
				      r["d0.connects"], after, r["vif0.connects"],
				      r["f0.rx.good"], sent)
	 end }
