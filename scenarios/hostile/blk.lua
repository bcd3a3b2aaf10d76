-- Field behaviour: a broken or malicious block backend (a driver domain
-- with a bug, or one probing the guest) answers with responses that break
-- the ring protocol (docs/mock-backends.md, hostile modes).
-- The mock blkback answers 100 requests well, then breaks one rule of
-- io/ring.h or io/blkif.h once (disk.backend.hostile, one variant per
-- mode).
-- Expectations prove: the frontend notices (the disk ends in its error
-- state: one protocol error counted, the backend's act counted), fails
-- what is outstanding instead of hanging or completing anything twice,
-- and leaks no grant or event channel. Sim only: in real mode the
-- frontend may push, on another vCPU, the very id the backend picks for
-- id-completed or unpushed-request, and the act then looks like a valid
-- (early) answer; in virtual time nothing runs in between.
scenario {
	description = "a hostile blkback breaks the ring protocol once: the disk fails cleanly",
	duration = "200ms",
	timeout = "10s",
	mode = "sim",
}

variants {
	{ "rsp-prod-beyond", "rsp_prod pushed past the requests pushed (ring.h)" },
	{ "id-out-of-range", "a response id no request carried (blkif.h: id copied from request)" },
	{ "id-duplicate", "one request answered twice (one response per request)" },
	{ "id-completed", "an id answered again after its completion" },
	{ "wrong-op", "the response's operation is not the request's (blkif.h)" },
	{ "unknown-status", "a status that is no BLKIF_RSP_* (an errno passed through)" },
	{ "unpushed-request", "an answer for an id the frontend never pushed (ring.h)" },
}

vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "64M", model = { latency_us = 50 },
       backend = { hostile = variant or "none", hostile_after = 100 } }
job { name = "mix", disk = "d0", rw = "randrw", bs = "4k", iodepth = 8 }

-- Every I/O the job issued ended once: those after the act with an error
-- (io_errors_min), none hung, none twice, nothing left mapped or bound.
expect { hangs = 0, double_completions = 0, io_errors_min = 1, leaks = 0,
	 check = function(r)
		return r["d0.protocol_errors"] == 1 and
		       r["d0.backend.hostile_acts"] == 1,
		       string.format("protocol errors %d, hostile acts %d",
				     r["d0.protocol_errors"],
				     r["d0.backend.hostile_acts"])
	 end }
