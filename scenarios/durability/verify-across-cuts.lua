-- Field behaviour: after a power failure the guest reads back what the
-- disk kept, not what it was told was written (docs/scenarios.md).
-- Mixed random reads and writes with verification and a flush every 8
-- writes; power is cut after every 37th write (200 cuts), with reads
-- and writes in flight, on a disk whose volatile cache honours flush.
-- Expectations prove: the checker's view and the guest's reads agree
-- across every cut: a write in flight at a cut counts as unknown (it may
-- have died in the cache whatever its status says), a read in flight
-- may have been served from the dying cache, so neither is judged, and
-- every later read returns exactly what survived (no verify error),
-- while nothing acknowledged and flushed is lost. Holds in real mode.
scenario {
	name = "verify-across-cuts",
	description = "reads after power cuts return what the disk kept",
	duration = "300ms",
	seed = 3,
}

vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "16M",
       model = { latency_us = 100, cache = "volatile", flush_mode = "honour" } }
job { name = "rw", disk = "d0", rw = "randrw", bs = "4k", size = "256k",
      iodepth = 8, verify = true, fsync = 8 }

for n = 1, 200 do
	on_write(n * 37, function(ctx) ctx:power_cut("d0") end)
end

expect { durability = "ok", verify_errors = 0, hangs = 0 }
