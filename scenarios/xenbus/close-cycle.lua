-- Field behaviour: Windows PV drivers close and reopen a device before
-- they connect it (the frontend probes: Closing, Closed, then
-- Initialising again), and against a backend that did not take a
-- frontend back after Closed the disk or the network never came up
-- (docs/scenarios.md). Linux blkback answers a frontend's Closing with
-- Closing, its Closed with Closed, and an Initialising while Closed
-- with InitWait (frontend_changed(),
-- drivers/block/xen-blkback/xenbus.c); Linux netback walks Closed,
-- InitWait (set_backend_state(), drivers/net/xen-netback/xenbus.c).
-- The backends wait 5 ms before each handshake step, so the frontends
-- close at 1 ms, before anything connected, and are told to reopen at
-- 7 ms, while the backends are still Closing: the frontend writes
-- Closed after the backend's Closing and Initialising only after its
-- Closed (a Linux blkback still Closing ignores Initialising).
-- Expectations prove: after the cycle the disk and the vif connect
-- exactly once, the disk's verified I/O (queued since the start) all
-- completes, none failed or hung, every frame of the flow arrives,
-- nothing leaks.
-- Real mode: all of it holds.
scenario {
	name = "close-cycle",
	description = "frontends close and reopen before they connect (a Windows probe)",
	duration = "100ms",
}

local be = { handshake_delay = "5ms" }

vm { name = "vm0", vcpus = 1 }
vm { name = "vm1", vcpus = 1 }
disk { name = "d0", vm = "vm0", size = "16M", connect_timeout = "1s",
       backend = be }
job { name = "rw", disk = "d0", rw = "randrw", iodepth = 4, verify = true }
vif { name = "vif0", vm = "vm0", backend = be }
vif { name = "vif1", vm = "vm1" }
flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
       msg_size = 1400, rate = "1M" }

at("1ms", function(ctx)
	ctx:close_frontend("d0")
	ctx:close_frontend("vif0")
end)
fault { at = "7ms", action = "reopen_frontend", target = "d0" }
fault { at = "7ms", action = "reopen_frontend", target = "vif0" }

expect { io_errors = 0, hangs = 0, verify_errors = 0, leaks = 0,
	 check = function(r)
		local sent = r["f0.tx.sent"]
		return r["d0.connects"] == 1 and r["d0.timeouts"] == 0 and
			r["d0.ios"] > 0 and r["vif0.connects"] == 1 and
			sent > 0 and r["f0.rx.good"] == sent,
			string.format("d0: %d connects, %d timeouts, %d I/Os; " ..
				      "vif0: %d connects, %d of %d frames arrived",
				      r["d0.connects"], r["d0.timeouts"],
				      r["d0.ios"], r["vif0.connects"],
				      r["f0.rx.good"], sent)
	 end }
