-- Field behaviour: small TCP segments into one vif. Linux netback
-- queues what it has for a guest up to XENVIF_RX_QUEUE_BYTES
-- (drivers/net/xen-netback/interface.c); the mock netback up to 1,024
-- frames. A TCP receive window bounds the bytes on the way, so a
-- window of 256 KiB keeps a receiver's queue safe at MSS 1460 (179
-- frames) but not with small segments: at MSS 88 it is 2,979 frames,
-- and eight such senders into one vif overflow its queue (frames
-- dropped as rx-queue-full, bytes lost). The harness's TCP flows bound
-- their window in frames too: 1,024 less a margin of 64, shared by the
-- TCP flows into the receiving vif (here 960 / 8 = 120 frames each).
-- Eight VMs each send one TCP flow to vm "dst" (no TSO, 200 ms); dst
-- sends nothing, so the switch never learns its MAC and floods every
-- frame to the senders' vifs too, as a bridge does with unknown
-- unicast (their counters show the copies).
--   mss-88: a 256 KiB window would be 2,979 frames a flow.
--   mss-128: 2,048 frames a flow.
--   mss-1460: 180 frames a flow, 1,440 for the eight: over the queue
--     as well, so the frame bound binds here too.
-- Expectations prove: in every variant no frame is dropped at the
-- receiver's netback and every byte of every flow arrives, in order;
-- the eight windows together fit its queue; no flow ever had more
-- frames on the way than its window; with small segments the window
-- filled at the frame bound (it held the senders back).
-- Real mode: all of it holds (counts, not timing); the window waits
-- are checked in sim mode only.
scenario {
	name = "small-mss-window",
	description = "eight small-MSS TCP senders into one vif: the window bounded in frames too",
	duration = "200ms",
}

variants {
	{ "mss-88", "MSS 88: 256 KiB would be 2,979 frames a flow" },
	{ "mss-128", "MSS 128: 256 KiB would be 2,048 frames a flow" },
	{ "mss-1460", "MSS 1460: 256 KiB would be 180 frames a flow, 1,440 in all" },
}

local v = variant or "mss-88"
local mss = tonumber(v:match("%d+"))
local senders = 8
vm { name = "dst", vcpus = 1 }
vif { name = "sink", vm = "dst" }
for i = 1, senders do
	vm { name = "vm" .. i, vcpus = 1 }
	vif { name = "vif" .. i, vm = "vm" .. i }
	flow { name = "t" .. i, from = "vif" .. i, to = "sink",
	       proto = "tcp", mss = mss, tso = false }
end

-- A counter, -1 when the run has none (so that no check passes on it).
local function get(r, k)
	return r[k] or -1
end

expect { name = "nothing dropped at the receiver's netback",
	 check = function(r)
	local d = r["sink.backend.drop.rx-queue-full"]
	return d == 0, string.format("%d frames dropped, queue peak %d",
				     d, get(r, "sink.backend.rx_queue_peak"))
end }

expect { name = "every byte of every flow arrived in order",
	 check = function(r)
	for i = 1, senders do
		local f = "t" .. i
		if r[f .. ".tx.bytes"] == 0 or
		   r[f .. ".rx.contiguous"] ~= r[f .. ".tx.bytes"] then
			return false, string.format("%s: %d of %d bytes in order",
				f, r[f .. ".rx.contiguous"], r[f .. ".tx.bytes"])
		end
	end
	return true, string.format("%d flows in order, t1 %d bytes",
				   senders, r["t1.tx.bytes"])
end }

expect { name = "the windows fit the queue and were kept",
	 check = function(r)
	local total = 0
	for i = 1, senders do
		local f = "t" .. i
		local w = get(r, f .. ".net.window_frames")
		total = total + w
		if w <= 0 or get(r, f .. ".net.in_flight_frames_peak") > w then
			return false, string.format("%s: %d frames on the way, window %d",
				f, get(r, f .. ".net.in_flight_frames_peak"), w)
		end
	end
	return total <= 1024 - 64,
		string.format("%d frames in all windows of a 1024-frame queue", total)
end }

do
	expect { name = "the frame bound held the senders back", mode = "sim",
		 check = function(r)
		local waits = 0
		for i = 1, senders do
			waits = waits + r["t" .. i .. ".net.window_waits"]
		end
		return waits > 0 and get(r, "t1.net.in_flight_frames_peak") ==
			get(r, "t1.net.window_frames"),
			string.format("%d window waits, t1 peak %d of %d frames",
				      waits, get(r, "t1.net.in_flight_frames_peak"),
				      get(r, "t1.net.window_frames"))
	end }
end
