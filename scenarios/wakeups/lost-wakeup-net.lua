-- Bug class 16: lost wakeups, on a vif. An event-channel notification
-- from the backend that never reaches netfront (dropped on the way, or
-- never sent because rsp_event was left wrong) leaves tx completions and
-- rx frames on the rings, and since rsp_event stays where it was the
-- backend sends no further notification: nothing wakes the queue again.
-- Linux netfront has no poll of its own (NAPI is scheduled by the
-- interrupt); xenvif's and xenvbd's watchdogs poll the rings and re-kick.
-- vm0 sends to vm1 through mock netbacks; drop_notify on a vif loses the
-- next N notifications its frontend receives.
--   tx-*: vif0 sends UDP as fast as its backend takes it (4 MB/s), so
--     it keeps 256 frames in flight and sends more only when a tx
--     completion comes in; from 50 ms on it loses every notification.
--   rx-*: vif1 receives a paced UDP flow and loses 3 notifications.
-- Expectations prove: without a watchdog the sender stalls (frames never
-- completed: caught as a hang) and the receiver stops receiving (bytes
-- missing: caught; both variants allow the stalled flow and its
-- undelivered bytes, which the default expectations would refuse); with a 10 ms netfront watchdog every frame completes
-- exactly once and every byte arrives in order, the tx flow carried by
-- the watchdog's ring polls, and each lost rx notification costs one
-- recovery (3).
-- Real mode: all of it holds (once notifications are lost nothing else
-- polls those rings, so there is no race); the recovery counts are
-- sim-only.
scenario {
	name = "lost-wakeup-net",
	description = "lost netfront notifications on tx and rx, with and without a watchdog",
	duration = "200ms",
	timeout = "300ms",
}

variants {
	{ "tx-no-watchdog", "sender loses every notification, no watchdog: hangs" },
	{ "tx-watchdog", "sender loses every notification, 10 ms watchdog" },
	{ "rx-no-watchdog", "receiver loses 3 notifications, no watchdog: stops" },
	{ "rx-watchdog", "receiver loses 3 notifications, 10 ms watchdog" },
}

local v = variant or "tx-watchdog"
local wd = v:match("no%-watchdog") and 0 or "10ms"
local tx = v:match("^tx") ~= nil
vm { name = "vm0", vcpus = 1 }
vm { name = "vm1", vcpus = 1 }
-- vif0's backend takes 4 MB/s: an unpaced UDP sender backs up to its
-- in-flight limit and then sends only when a tx completion comes in
vif { name = "vif0", vm = "vm0", frontend = { watchdog = tx and wd or 0 },
      backend = { rate = tx and "4M" or 0 } }
vif { name = "vif1", vm = "vm1", frontend = { watchdog = tx and 0 or wd } }
if tx then
	flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
	       msg_size = 1400 }
	at("50ms", function(ctx) ctx:drop_notify("vif0", 1000000000) end)
else
	-- about 70 frames per watchdog period: one poll takes them all
	flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
	       msg_size = 1400, rate = "10M" }
	at("50ms", function(ctx) ctx:drop_notify("vif1", 3) end)
end

local function once(r)
	return r["f0.tx.sent"] > 0 and r["f0.tx.dup_completions"] == 0 and
		r["f0.tx.unknown_completions"] == 0
end

if v == "tx-no-watchdog" then
	-- stalls by design: the flow may stop (its undelivered bytes are
	-- bounded by what 200 ms at the backend's 4 MB/s can send)
	expect { name = "tx completions stall (caught)", stalled_flows = 1,
		 undelivered_bytes = 1000000, check = function(r)
		return once(r) and r["f0.tx.never_completed"] > 0,
			string.format("%d of %d frames never completed",
				      r["f0.tx.never_completed"], r["f0.tx.sent"])
	end }
elseif v == "rx-no-watchdog" then
	-- stalls by design: the flow may stop (its undelivered bytes are
	-- bounded by what 200 ms at 10 MB/s can send)
	expect { name = "rx frames stay on the ring (caught)", stalled_flows = 1,
		 undelivered_bytes = 2000000, check = function(r)
		return once(r) and r["f0.tx.never_completed"] == 0 and
			r["f0.rx.bytes"] < r["f0.tx.bytes"],
			string.format("%d of %d bytes arrived", r["f0.rx.bytes"],
				      r["f0.tx.bytes"])
	end }
else
	expect { name = "every frame completed once, every byte arrived",
		 check = function(r)
		return once(r) and r["f0.tx.never_completed"] == 0 and
			r["f0.tx.ok"] == r["f0.tx.sent"] and
			r["f0.rx.contiguous"] == r["f0.tx.bytes"],
			string.format("%d/%d frames ok, %d of %d bytes in order",
				      r["f0.tx.ok"], r["f0.tx.sent"],
				      r["f0.rx.contiguous"], r["f0.tx.bytes"])
	end }
	local vif = tx and "vif0" or "vif1"
	expect { name = "recovered by the watchdog", mode = "sim",
		 check = function(r)
		local n = r[vif .. ".watchdog_recoveries"]
		return (tx and n > 0) or (not tx and n == 3),
			string.format("%d watchdog recoveries, %d responses found",
				      n, r[vif .. ".watchdog_responses"])
	end }
end
