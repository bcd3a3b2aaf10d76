-- Seed sweeps (xfront sweep): block and net traffic under every fault
-- kind, the fault schedule drawn from the seed. Run it as
--   xfront sweep scenarios/sweep/mixed.lua --seeds 1..1000
-- each seed loads the script with math.random seeded from it (the
-- sweep sets the built-in seed parameter), so each seed is one fault
-- schedule: when the backend crashes and comes back, how many requests
-- are answered BLKIF_RSP_ERROR, when the backend stalls and for how
-- long, when the power is cut, how many notifications of the disk and
-- of the vifs are lost, and when the VM migrates to a second host.
-- vm0 runs a verified random read/write job (a flush every 8 writes)
-- on a disk whose volatile cache honours flush, and sends a paced UDP
-- flow from vif0 to vif1 on vm1; the frontends have a 10 ms watchdog,
-- so a lost notification costs a poll, not a hang.
-- Expectations, for every seed: every I/O and every frame completed
-- exactly once (no hang, no double completion, no frame never
-- completed), nothing leaked, every verified read returned what the
-- disk kept, and nothing acknowledged and flushed was lost at the cut.
-- Not in the scenario suite: the sweep test runs it over 200 seeds.
scenario {
	name = "sweep-mixed",
	description = "block and net traffic under a fault schedule drawn from the seed",
	duration = "200ms",
	timeout = "2s",
}

local function ms(lo, hi)
	return string.format("%dms", math.random(lo, hi))
end

host { name = "src" }
host { name = "dst" }
vm { name = "vm0", host = "src", vcpus = 2, memory = "64M" }
vm { name = "vm1", host = "src", vcpus = 1, memory = "64M" }
disk { name = "d0", vm = "vm0", size = "16M", watchdog = "10ms",
       connect_timeout = "100ms",
       model = { latency_us = 100, cache = "volatile", flush_mode = "honour" } }
job { name = "rw", disk = "d0", rw = "randrw", bs = "4k", size = "1M",
      iodepth = 8, verify = true, fsync = 8 }
vif { name = "vif0", vm = "vm0", frontend = { watchdog = "10ms" } }
vif { name = "vif1", vm = "vm1", frontend = { watchdog = "10ms" } }
flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
       msg_size = 1400, rate = "10M" }

fault { at = ms(10, 60), action = "restart_backend", target = "d0",
	duration = ms(1, 10) }
fault { at = ms(10, 150), action = "error", target = "d0",
	count = math.random(1, 20), status = "error", op = "any" }
fault { at = ms(10, 150), action = "stall_backend", target = "d0",
	duration = ms(1, 20) }
fault { at = ms(10, 150), action = "power_cut", target = "d0" }
fault { at = ms(10, 150), action = "drop_notify", target = "d0",
	count = math.random(1, 5) }
fault { at = ms(10, 150), action = "drop_notify", target = "vif" .. math.random(0, 1),
	count = math.random(1, 5) }
fault { at = ms(60, 150), action = "migrate", target = "vm0", to = "dst" }

expect {
	hangs = 0, double_completions = 0, verify_errors = 0, leaks = 0,
	durability = "ok", stalled_flows = 0,
	check = function(r)
		return r["f0.tx.sent"] > 0 and r["f0.tx.never_completed"] == 0 and
			r["f0.tx.dup_completions"] == 0 and
			r["f0.tx.unknown_completions"] == 0 and
			r["d0.ios"] > 0,
			string.format("%d frames sent, %d never completed, %d twice; %d I/Os",
				      r["f0.tx.sent"], r["f0.tx.never_completed"],
				      r["f0.tx.dup_completions"], r["d0.ios"])
	end,
}
