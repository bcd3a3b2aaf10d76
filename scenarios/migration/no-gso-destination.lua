-- Field behaviour: a live migration must not lose connections; offloaded
-- TCP state returns to software during the move and offload resumes only
-- if the destination supports it (docs/scenarios.md).
-- vm1 sends a TCP-like flow with TSO and checksum offload to vm2 and
-- receives one back while it migrates to host "dst": its netfront is
-- suspended (queued and in-flight frames kept), the netback on "src"
-- goes away, a netback on "dst" offers that host's features and the
-- netfront reconnects. In "no-gso-destination" dst's netback has no
-- feature-gso-tcpv4/6; in "gso-destination" it has them.
-- Expectations prove: no frame arrives with a bad checksum or bad
-- segmentation and every frame vm1 sent completes exactly once and
-- arrives in order, before and after the move; after the move to a host
-- without GSO the frontend negotiated GSO off and segments in software
-- (the destination's netback gets no GSO frame) while the one with GSO
-- keeps offloading; both flows keep running on the destination. The
-- inbound flow loses only frames that reach vif1 while it has no
-- backend (TCP would retransmit them), never a bad one, and each of them
-- is accounted for: dropped by a counted drop on its path or with the
-- moved vif, none in flight when the run ends, none vanished (sim: at
-- most 2 frames, about 1 ms at 50 MB/s; these are the flow's only
-- undelivered bytes, which the default expectation would refuse).
-- Real mode: all of it holds except that bound: the wall-clock time vif1
-- has no backend is longer on a loaded host (bound: 60 ms of frames).
scenario {
	name = "no-gso-destination",
	description = "vif migration: offload renegotiated on the destination",
	duration = "300ms",
}

variants {
	{ "no-gso-destination", "dst's netback offers no GSO: segmentation in software" },
	{ "gso-destination", "dst's netback offers GSO: offload resumes after the move" },
}

local gso = variant == "gso-destination"
host { name = "src" }
host { name = "dst", net = { gso_tcpv4 = gso, gso_tcpv6 = gso } }

vm { name = "vm1", host = "src", memory = "128M" }
vm { name = "vm2", host = "src", memory = "128M" }
vif { name = "vif1", vm = "vm1" }
vif { name = "vif2", vm = "vm2" }

flow { name = "out", from = "vif1", to = "vif2", msg_size = "60k",
       rate = "200M", tso = true, csum_offload = true }
flow { name = "in", from = "vif2", to = "vif1", msg_size = "60k",
       rate = "50M", tso = true, csum_offload = true }

fault { at = "50ms", action = "migrate", target = "vm1", to = "dst" }

expect {
	bad_checksums = 0, bad_segments = 0,
	check = function(r)
		local moved = r["vm1.migrations"] == 1 and r["vif1.moves"] == 1 and
			r["vif1.last_backend.tx_frames"] > 0 and
			r["vif1.last_backend.rx_frames"] > 0
		local exact = r["out.tx.never_completed"] == 0 and
			r["out.tx.dup_completions"] == 0 and
			r["out.tx.ok"] == r["out.tx.sent"] and
			r["out.rx.contiguous"] == r["out.tx.bytes"]
		local offload
		if gso then
			offload = r["vif1.feature.gso_tcpv4"] == 1 and
				r["vif1.last_backend.tx_gso_frames"] > 0 and
				r["vif1.tx.sw_gso"] == 0
		else
			offload = r["vif1.feature.gso_tcpv4"] == 0 and
				r["vif1.backend.tx_gso_frames"] > 0 and
				r["vif1.last_backend.tx_gso_frames"] == 0 and
				r["vif1.tx.sw_gso"] > 0
		end
		return moved and exact and offload, string.format(
			"gso after %d, sw-segmented %d, %d/%d sent ok, down %.2fms",
			r["vif1.feature.gso_tcpv4"], r["vif1.tx.sw_gso"],
			r["out.tx.ok"], r["out.tx.sent"], r["vm1.downtime_us"] / 1000)
	end,
}

expect {
	name = "inbound: every frame arrived or was lost with a reason",
	check = function(r)
		return r["in.tx.never_completed"] == 0 and
			r["in.net.in_flight_bytes"] == 0 and
			r["in.net.unexplained_bytes"] == 0 and r["in.rx.bad"] == 0,
			string.format("%d bytes lost (%d drops, %d moves on the path), " ..
				      "%d in flight, %d unexplained",
				      r["in.net.lost_bytes"], r["in.net.path_drops"],
				      r["in.net.path_moves"], r["in.net.in_flight_bytes"],
				      r["in.net.unexplained_bytes"])
	end,
}

expect {
	name = "inbound loses only the frames of ~1 ms without a backend",
	mode = "sim", flow = "in", undelivered_bytes = 2 * 60000,
	check = function(r)
		return r["in.tx.sent"] - r["in.rx.good"] <= 2,
			string.format("%d sent, %d arrived good",
				      r["in.tx.sent"], r["in.rx.good"])
	end,
}
-- Real mode: the frames lost while vif1 has no backend are all
-- undelivered (the default allows none); the wall-clock gap is longer
-- on a loaded host, so the bound is 60 ms at 50 MB/s.
expect {
	name = "inbound loses at most the frames of 60 ms without a backend",
	mode = "real", flow = "in", undelivered_bytes = 50 * 60000,
}
