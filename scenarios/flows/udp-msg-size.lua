-- Field behaviour: UDP datagrams larger than the MTU. An application
-- that sends 60,000-byte datagrams from a Linux guest without UDP
-- offload sends IP fragments: net/ipv4/ip_output.c ip_do_fragment()
-- cuts each datagram into MTU-sized pieces (MF and the offset set) and
-- the receiver's ip_defrag() (net/ipv4/ip_fragment.c) puts it back
-- together or, when a piece is lost, gives the whole datagram up. The
-- harness's UDP flows send datagrams of msg_size stream bytes (the
-- flow's own 16-byte header comes on top, so at most 65,491 over IPv4),
-- paced at the rate, fragmented above the 1500-byte MTU; the receiving
-- checker reassembles and checks whole datagrams.
-- vm1 sends one UDP flow at 100M (104,857,600 bytes/s) for 100 ms to
-- vm2: 175 datagrams of 60,000 bytes, 2,622 of 4,000, 7,490 of 1,400.
--   60000: 41 fragments a datagram.
--   4000: 3 fragments a datagram.
--   1400: one frame a datagram, no fragments.
--   lossy-60000: 60,000 bytes, vm1's backend drops 1 % of its frames.
-- Expectations prove: every datagram sent carried msg_size bytes and
-- left as the fragments the MTU needs; only whole, good datagrams
-- arrive; without loss every datagram arrived, as many as the rate
-- allows in 100 ms;
-- with loss a datagram that lost a fragment is given up whole (counted
-- as dropped by the reassembly, its bytes lost and explained by the
-- backend's drops), every other one arrives whole, and no datagram
-- arrives partly.
-- Real mode: datagrams of msg_size, fragmented, and only whole good
-- ones arriving hold; UDP has no window, so on a busy host a slow
-- receiver's netback may drop datagrams, which are then lost, explained
-- by the drops. That every datagram arrives, and as many as the rate
-- allows, is checked in sim mode.
scenario {
	name = "udp-msg-size",
	description = "UDP datagrams of msg_size, as IP fragments above the MTU",
	duration = "100ms",
}

variants {
	{ "60000", "60,000-byte datagrams: 41 fragments each" },
	{ "4000", "4,000-byte datagrams: 3 fragments each" },
	{ "1400", "1,400-byte datagrams: no fragments" },
	{ "lossy-60000", "60,000-byte datagrams, 1 % of the sender's frames dropped" },
}

local v = variant or "60000"
local msg = tonumber(v:match("%d+"))
local lossy = v:match("^lossy") ~= nil
local rate = 100 * 1024 * 1024
-- IP payload: UDP header, the flow's header and the data, in pieces of
-- 1,480 bytes (the MTU less the IP header); one frame when it fits.
local frags = 8 + 16 + msg <= 1480 and 1 or (8 + 16 + msg + 1479) // 1480
vm { name = "vm1", vcpus = 1 }
vm { name = "vm2", vcpus = 1 }
vif { name = "vif1", vm = "vm1", backend = { mode = lossy and "drop" or "correct" } }
vif { name = "vif2", vm = "vm2" }
flow { name = "u", from = "vif1", to = "vif2", proto = "udp",
       msg_size = msg, rate = "100M" }

-- A counter, -1 when the run has none (so that no check passes on it).
local function get(r, k)
	return r[k] or -1
end

expect { name = "datagrams of msg_size, fragmented for the MTU",
	 check = function(r)
	local sent = r["u.tx.bytes"]
	local n = sent // msg
	return sent > 0 and sent % msg == 0 and r["u.tx.sent"] == n * frags,
		string.format("%d bytes in %d datagrams of %d, %d frames (%d each)",
			      sent, n, msg, r["u.tx.sent"], frags)
end }

expect { name = "only whole datagrams arrive, good",
	 check = function(r)
	local good, bytes = r["u.rx.good"], r["u.rx.bytes"]
	return good > 0 and bytes == good * msg and r["u.rx.bad"] == 0 and
		get(r, "vif2.rx.reassembled") == (frags > 1 and good or 0) and
		get(r, "vif2.rx.reasm_bad") == 0,
		string.format("%d datagrams, %d bytes, %d reassembled from %d fragments",
			      good, bytes, get(r, "vif2.rx.reassembled"),
			      get(r, "vif2.rx.fragments"))
end }

if not lossy then
	expect { name = "every datagram arrived", mode = "sim",
		 check = function(r)
		local n = r["u.tx.bytes"] // msg
		return r["u.rx.good"] == n and get(r, "vif2.rx.reasm_dropped") == 0 and
			get(r, "vif2.rx.fragments") == (frags > 1 and n * frags or 0),
			string.format("%d of %d datagrams", r["u.rx.good"], n)
	end }
	expect { name = "as many datagrams as the rate allows", mode = "sim",
		 check = function(r)
		-- one at 0, then one every msg / rate seconds
		local want = 100000000 * rate // (msg * 1000000000) + 1
		local n = r["u.tx.bytes"] // msg
		return n == want, string.format("%d datagrams, %d asked", n, want)
	end }
	-- UDP has no window: a receiver slower than 100M on a busy host
	-- drops what its netback cannot queue, and those datagrams are lost
	expect { name = "what did not arrive was dropped on the way", mode = "real",
		 flow = "u", undelivered_bytes = 100000000, check = function(r)
		local lost = r["u.net.lost_bytes"]
		return r["u.net.unexplained_bytes"] == 0 and
			(lost == 0 or r["u.net.path_drops"] > 0),
			string.format("%d bytes lost, %d drops on the path", lost,
				      r["u.net.path_drops"])
	end }
else
	-- loses whole datagrams by design
	expect { name = "a datagram with a lost fragment is given up whole",
		 flow = "u", undelivered_bytes = 100000000, check = function(r)
		local n = r["u.tx.bytes"] // msg
		local dropped = get(r, "vif2.rx.reasm_dropped")
		-- (a datagram none of whose fragments arrived leaves no
		-- reassembly to give up)
		return dropped > 0 and r["u.rx.good"] + dropped <= n and
			r["u.net.lost_bytes"] == r["u.net.sent_bytes"] - r["u.rx.bytes"] and
			r["u.net.path_drops"] > 0 and r["u.net.unexplained_bytes"] == 0,
			string.format("%d of %d datagrams given up, %d bytes lost, %d drops",
				      dropped, n, r["u.net.lost_bytes"],
				      r["u.net.path_drops"])
	end }
end
