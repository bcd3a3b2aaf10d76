-- Field behaviour (bug class 11: slot limits): EC2 guests logged
-- "xennet: skb rides the rocket: 19 slots" and lost those packets
-- (Launchpad #1317811). Every backend must take XEN_NETIF_NR_SLOTS_MIN
-- = 18 slots per TX frame, and netfront never sends more: it counted the
-- slots of a fragmented skb (TSO over many fragments) and dropped any
-- frame that needed more. (Linux netback, and the mock, would take 19,
-- drop 20 or 21 with error responses and disable the vif at 22: its
-- limits count the slots after the first.) The field workaround was
-- `ethtool -K eth0 sg off`; the
-- fix is a netfront that linearises such frames. Related: netback drops
-- a frame whose first slot is shorter than the Ethernet header (14
-- bytes), and XSA-423/432 are about headers split across slots; a fixed
-- netfront pulls the headers into the first slot.
-- vm1 sends five TCP flows to vm2 through mock netbacks, each frame
-- handed to netfront as a chosen fragment chain: a first fragment of 1,
-- 13 or 14 bytes, 18 fragments (the limit) and 19 fragments (one over
-- it, GSO super-frames). vm1's netback drops short first slots.
--   broken: netfront sends the fragments as given (old Linux netfront).
--   fixed: netfront pulls headers up and linearises chains over 18.
--   sg-off: the old netfront with scatter-gather off (the workaround).
-- Expectations prove: broken loses every 19-slot frame at the frontend
-- (-EMSGSIZE, "too-big" drops; none reaches the backend's slot limits)
-- and every frame with a first slot under
-- 14 bytes at the backend (-EIO, "short-first-slot" drops), and none of
-- their bytes arrive (those flows' blocks allow every byte undelivered,
-- which the default expectation would refuse), while 18-slot and 14-byte-head frames pass; fixed
-- and sg-off deliver every byte of every flow with no error (fixed by
-- re-laying out exactly the frames whose headers are not all in the
-- first fragment or that need 19 slots, sg-off by sending one slot per
-- frame); in every variant every frame completes exactly once (none
-- twice, none never) and every byte the backend accepted reaches vm2
-- (none lost on the way, none still in flight when the run ends: the
-- run waits for them).
-- Real mode: all of it holds (frame and byte counts, not timing).
scenario {
	name = "skb-rides-the-rocket",
	description = "TX chains over 18 slots and tiny first slots: dropped vs linearised vs SG off",
	duration = "1s",
}

variants {
	{ "broken", "netfront sends the caller's fragments as is" },
	{ "fixed", "netfront pulls headers up and linearises over 18 slots" },
	{ "sg-off", "old netfront, scatter-gather off (the field workaround)" },
}

local raw = variant ~= "fixed"
vm { name = "vm1", vcpus = 1 }
vm { name = "vm2", vcpus = 1 }
vif { name = "vif1", vm = "vm1",
      frontend = { tx_layout = raw and "raw" or "pullup",
		   sg = variant ~= "sg-off" },
      backend = { mode = "drop-short-first" } }
vif { name = "vif2", vm = "vm2" }

-- Full-size TCP segments with a tiny first fragment.
local function tiny(name, head)
	flow { name = name, from = "vif1", to = "vif2", proto = "tcp",
	       mss = 1460, tso = false, bytes = 200 * 1460,
	       frag_layout = "tiny-first", first_frag = head }
end
tiny("head1", 1)
tiny("head13", 13)
tiny("head14", 14)
-- 60,000-byte TSO super-frames in 18 and in 19 equal fragments.
for _, n in ipairs({ 18, 19 }) do
	flow { name = "frags" .. n, from = "vif1", to = "vif2", proto = "tcp",
	       msg_size = 60000, tso = true, bytes = 30 * 60000,
	       frag_layout = "many", nfrags = n }
end

local flows = { "head1", "head13", "head14", "frags18", "frags19" }
local lost = { head1 = "eio", head13 = "eio", frags19 = "emsgsize" }
local bytes = { head1 = 200 * 1460, head13 = 200 * 1460, frags19 = 30 * 60000 }

local function delivered(r, f)
	return r[f .. ".tx.ok"] == r[f .. ".tx.sent"] and
		r[f .. ".rx.contiguous"] == r[f .. ".tx.bytes"]
end

for _, f in ipairs(flows) do
	expect { name = f .. ": each frame completed exactly once",
		 check = function(r)
		local sent = r[f .. ".tx.sent"]
		return sent > 0 and r[f .. ".tx.completed"] == sent and
			r[f .. ".tx.dup_completions"] == 0 and
			r[f .. ".tx.unknown_completions"] == 0 and
			r[f .. ".net.lost_bytes"] == 0 and
			r[f .. ".net.in_flight_bytes"] == 0,
			string.format("%s: %d sent, %d completed, %d twice, %d never; " ..
				      "%d accepted bytes lost, %d in flight",
				      f, sent, r[f .. ".tx.completed"],
				      r[f .. ".tx.dup_completions"],
				      r[f .. ".tx.never_completed"],
				      r[f .. ".net.lost_bytes"],
				      r[f .. ".net.in_flight_bytes"])
	end }
	if variant == "broken" and lost[f] then
		local how = lost[f]
		-- lost by design: every byte of the flow stays undelivered
		expect { name = f .. ": every frame lost", flow = f,
			 undelivered_bytes = bytes[f], check = function(r)
			local sent = r[f .. ".tx.sent"]
			return r[f .. ".tx." .. how] == sent and
				r[f .. ".rx.bytes"] == 0,
				string.format("%s: %d of %d frames -%s, %d bytes arrived",
					      f, r[f .. ".tx." .. how], sent,
					      how:upper(), r[f .. ".rx.bytes"])
		end }
	else
		expect { name = f .. ": every byte delivered", check = function(r)
			return delivered(r, f),
				string.format("%s: %d of %d frames ok, %d of %d bytes in order",
					      f, r[f .. ".tx.ok"], r[f .. ".tx.sent"],
					      r[f .. ".rx.contiguous"], r[f .. ".tx.bytes"])
		end }
	end
end

if variant == "broken" then
	expect { name = "drops counted where they happen", check = function(r)
		local short = r["head1.tx.sent"] + r["head13.tx.sent"]
		return r["vif1.backend.drop.short-first-slot"] == short and
			r["vif1.frontend.drop.too-big"] == r["frags19.tx.sent"] and
			r["vif1.backend.drop.too-many-slots"] == 0 and
			r["vif1.backend.tx_max_slots"] == 18,
			string.format("backend short-first-slot %d, frontend too-big " ..
				      "(rides the rocket) %d, backend too-many-slots %d, " ..
				      "longest chain %d slots",
				      r["vif1.backend.drop.short-first-slot"],
				      r["vif1.frontend.drop.too-big"],
				      r["vif1.backend.drop.too-many-slots"],
				      r["vif1.backend.tx_max_slots"])
	end }
elseif variant == "fixed" then
	-- head14 too: its IP/TCP headers would straddle slots (XSA-423/432).
	expect { name = "re-laid out exactly the bad chains", check = function(r)
		local bad = r["head1.tx.sent"] + r["head13.tx.sent"] +
			    r["head14.tx.sent"] + r["frags19.tx.sent"]
		return r["vif1.tx.linearized"] == bad and
			r["vif1.backend.drop.short-first-slot"] == 0 and
			r["vif1.frontend.drop.too-big"] == 0 and
			r["vif1.backend.tx_max_slots"] == 18,
			string.format("%d frames linearised or pulled up, no drops, " ..
				      "longest chain %d slots", r["vif1.tx.linearized"],
				      r["vif1.backend.tx_max_slots"])
	end }
else
	expect { name = "one slot per frame", check = function(r)
		return r["vif1.backend.tx_max_slots"] == 1 and
			r["vif1.tx.sw_gso"] > 0 and
			r["vif1.backend.drop.short-first-slot"] == 0,
			string.format("longest chain %d slot, %d super-frames " ..
				      "segmented in software",
				      r["vif1.backend.tx_max_slots"],
				      r["vif1.tx.sw_gso"])
	end }
end
