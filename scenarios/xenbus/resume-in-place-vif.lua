-- Field behaviour: a guest suspended and resumed on the same host (a
-- save/restore that keeps the backend, or a checkpoint) must get its
-- network back. netfront releases its rings at suspend, but its state
-- key still says Connected and the backend still maps the old rings:
-- nothing moves until the frontend tells the backend to start over.
-- With Linux netback that is Initialising: frontend_changed() then
-- walks Connected, Closing, Closed, InitWait (set_backend_state() in
-- drivers/net/xen-netback/xenbus.c), and at InitWait the frontend
-- writes new ring keys and Connected, as on a fresh start. A frontend
-- that instead waits for the backend's Connected waits for ever.
-- vm0 sends vm1 a paced UDP flow (1 MB/s, 1,400-byte messages) for
-- 200 ms; vm0 is suspended at 50 ms and resumed at 60 ms, its backend
-- left alone. Frames sent while it is suspended stay queued in netfront.
-- Expectations prove: vif0 connects a second time after the resume and
-- every frame the flow sent completes once and arrives in vm1 (as many
-- as without the suspend), nothing stalls and no byte is undelivered
-- (the default flow expectations); the xenbus trace shows the walk
-- after the resume in that order (frontend Initialising, backend
-- Closing, Closed, InitWait, frontend Connected, backend Connected) and
-- both sides of both vifs end Connected.
-- Real mode: all of it holds.
scenario {
	name = "resume-in-place-vif",
	description = "vif suspended and resumed in place: the frontend re-initialises",
	duration = "200ms",
}

vm { name = "vm0", vcpus = 1 }
vm { name = "vm1", vcpus = 1 }
vif { name = "vif0", vm = "vm0" }
vif { name = "vif1", vm = "vm1" }
flow { name = "f0", from = "vif0", to = "vif1", proto = "udp",
       msg_size = 1400, rate = "1M" }

at("50ms", function(ctx) ctx:suspend("vm0") end)
at("60ms", function(ctx) ctx:resume("vm0") end)

expect {
	name = "vif0 reconnects and every frame arrives",
	check = function(r)
		local sent = r["f0.tx.sent"]
		return r["vif0.connects"] == 2 and sent > 0 and
			r["f0.tx.ok"] == sent and r["f0.rx.good"] == sent,
			string.format("vif0 connected %d times; %d sent, %d ok, " ..
				      "%d arrived in vm1 (%d frames at vif1)",
				      r["vif0.connects"], sent, r["f0.tx.ok"],
				      r["f0.rx.good"], r["vif1.rx.frames"])
	end,
}

-- The states written after the first connect, "side:State" in order.
local function dance(r, dev)
	local s, seen = {}, false
	for _, e in ipairs(r.xenbus[dev]) do
		if seen then
			s[#s + 1] = e.side .. ":" .. e.state
		end
		seen = seen or (e.side == "backend" and e.state == "Connected")
	end
	return table.concat(s, " ")
end

expect {
	name = "the backend walks Closing, Closed, InitWait after the resume",
	xenbus = { vif0 = { frontend_final = "Connected",
			    backend_final = "Connected" },
		   vif1 = { frontend_final = "Connected",
			    backend_final = "Connected" } },
	check = function(r)
		local got = dance(r, "vif0")
		return got == "frontend:Initialising backend:Closing " ..
			"backend:Closed backend:InitWait " ..
			"frontend:Connected backend:Connected" and
			dance(r, "vif1") == "", got
	end,
}
