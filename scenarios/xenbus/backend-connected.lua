-- Field behaviour: a disk whose backend connected before the guest's
-- frontend ran (an iSCSI-backed disk logged in and Connected when the
-- domain was built, or a backend left Connected by the boot loader's
-- PV driver) came up in the guest as a disk that accepted I/O and
-- never completed any (docs/scenarios.md). A Connected backend maps no
-- ring of this frontend and ignores its Initialising (Linux blkback,
-- frontend_changed()); a frontend that takes the Connected at face
-- value writes its rings, Initialised and Connected to a backend that
-- serves nothing. It has to close first: Closing, Closed (the backend
-- follows to Closed), then Initialising, and InitWait answers it. A vif
-- is found Connected too: netfront writes Initialising and Linux
-- netback walks Closing, Closed, InitWait (set_backend_state()).
-- Variants: the backends found Connected, Closed, or in InitWait (the
-- usual start), each waiting 2 ms before every handshake step so the
-- frontends start on the state they were given.
-- Expectations prove: the disk and the vif connect exactly once, the
-- disk's verified I/O completes (none failed or hung, no connect
-- timeout), every frame of the vif's flow arrives, nothing leaks.
-- Real mode: all of it holds.
scenario {
	name = "backend-connected",
	description = "backends already Connected (or Closed) when the frontends start",
	duration = "100ms",
}

variants {
	{ "connected", "both backends Connected before the frontends start" },
	{ "closed", "both backends Closed before the frontends start" },
	{ "initwait", "both backends in InitWait, the usual start" },
}

local be = { initial_state = variant or "initwait", handshake_delay = "2ms" }

vm { name = "vm0", vcpus = 1 }
vm { name = "vm1", vcpus = 1 }
disk { name = "d0", vm = "vm0", size = "16M", connect_timeout = "1s",
       backend = be }
job { name = "rw", disk = "d0", rw = "randrw", iodepth = 4, verify = true }
vif { name = "vif0", vm = "vm0", backend = be }
vif { name = "vif1", vm = "vm1" }
flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
       msg_size = 1400, rate = "1M" }

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
