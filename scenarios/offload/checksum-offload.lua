-- Field behaviour: with checksum/TCP offload enabled in PV NIC drivers,
-- some workloads see transport errors; turning every offload off except
-- correct TCP/UDP checksums cures it at a throughput cost
-- (docs/scenarios.md).
-- A TCP-like flow from vm1 to vm2 through mock netbacks on one bridge.
-- The frontend leaves checksums to the backend (NETTXF_csum_blank) and
-- sends GSO super-frames; the "faulty" netback forwards csum_blank frames
-- with the checksum unfilled. Every frame is checked at the receiver.
-- Expectations prove: the faulty offload path delivers frames with bad
-- checksums (> 0); the correct one and offload-off deliver none, and
-- offload-off still moves the data (at a throughput cost, shown); in
-- every variant each frame completes once and every byte the backend
-- accepted reaches vm2, good or bad (none lost, none in flight when the
-- run ends: the run waits for them).
-- Real mode: all of it holds (frame checks, not timing).
scenario {
	name = "checksum-offload",
	description = "TCP checksum offload: faulty netback vs correct vs offload off",
	duration = "200ms",
}

variants {
	{ "faulty", "netback leaves csum_blank checksums unfilled" },
	{ "correct", "netback fills the checksums" },
	{ "offload-off", "frontend computes checksums, no GSO" },
}

local off = variant == "offload-off"
for i = 1, 2 do
	vm { name = "vm" .. i, vcpus = 1 }
	vif { name = "vif" .. i, vm = "vm" .. i,
	      backend = { mode = variant == "faulty" and "no-csum-fill" or "correct",
			  csum_offload = not off, gso_tcpv4 = not off } }
end

flow { name = "tcp", from = "vif1", to = "vif2", proto = "tcp",
       msg_size = "60k", mss = 1460, bytes = "16M", tso = not off,
       csum_offload = not off }

expect { name = "every frame accounted for", check = function(r)
	return r["tcp.tx.sent"] > 0 and r["tcp.tx.never_completed"] == 0 and
		r["tcp.tx.ok"] == r["tcp.tx.sent"] and
		r["tcp.net.arrived_bytes"] == r["tcp.net.sent_bytes"] and
		r["tcp.net.lost_bytes"] == 0 and r["tcp.net.in_flight_bytes"] == 0,
		string.format("%d frames, %d ok; %d of %d accepted bytes arrived, " ..
			      "%d lost, %d in flight", r["tcp.tx.sent"], r["tcp.tx.ok"],
			      r["tcp.net.arrived_bytes"], r["tcp.net.sent_bytes"],
			      r["tcp.net.lost_bytes"], r["tcp.net.in_flight_bytes"])
end }

if variant == "faulty" then
	expect { check = function(r)
		return r["vif2.rx.bad_csum"] > 0,
			string.format("%d of %d frames with bad checksums",
				      r["vif2.rx.bad_csum"], r["vif2.rx.frames"])
	end }
else
	expect { bad_checksums = 0, bad_segments = 0, check = function(r)
		return r["vif2.rx.payload_bytes"] > 0,
			string.format("%.0f bytes, %.3f Gbit/s", r["vif2.rx.payload_bytes"],
				      r["vif2.rx.throughput_bps"] / 1e9)
	end }
end
