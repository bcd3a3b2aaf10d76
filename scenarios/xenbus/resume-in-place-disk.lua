-- Field behaviour: a guest suspended and resumed on the same host (a
-- checkpoint, `xl save -c`, a cancelled migration) came back with a
-- disk that accepted I/O and never completed any (docs/scenarios.md).
-- The VM is suspended at 50 ms and resumed at 60 ms; the toolstack
-- leaves the backend alone, so it is still Connected to the rings the
-- frontend dropped when it resumes. A backend that is Connected ignores
-- a frontend that writes Initialising (Linux blkback,
-- frontend_changed()): the frontend has to close first (Closing, then
-- Closed, wait for the backend's Closed), then ask again (Initialising).
-- Expectations prove: the disk connects a second time, I/O completes
-- after the resume, none fails or hangs, nothing leaks; the xenbus
-- trace shows the dance in that order on both sides (frontend Closing,
-- backend Closing, frontend Closed, backend Closed, then the fresh
-- handshake to Connected) and both sides end Connected.
scenario {
	name = "resume-in-place-disk",
	description = "in-place suspend/resume of a VM with a Connected disk backend",
	duration = "200ms",
}

vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M" }
job { name = "rr", disk = "d0", rw = "randread", iodepth = 4 }

local at_resume = 0
at("50ms", function(ctx) ctx:suspend("vm0") end)
at("60ms", function(ctx)
	ctx:resume("vm0")
	at_resume = ctx:counter("d0.completions")
end)

expect { io_errors = 0, hangs = 0, leaks = 0,
	 check = function(r)
		local after = r["d0.ios"] - at_resume
		return r["d0.connects"] == 2 and after > 0,
			string.format("%d connects, %d I/Os after the resume",
				      r["d0.connects"], after)
	 end }

-- The states written after the first connect, "side:State" in order:
-- the walk the resume makes.
local function dance(r, dev)
	local s, seen = {}, false
	for _, e in ipairs(r.xenbus[dev]) do
		if seen then
			s[#s + 1] = e.side .. ":" .. e.state
		end
		seen = seen or (e.side == "frontend" and e.state == "Connected")
	end
	return table.concat(s, " ")
end

expect { name = "the frontend closes before it asks again",
	 xenbus = { d0 = { frontend_final = "Connected",
			   backend_final = "Connected" } },
	 check = function(r)
		local got = dance(r, "d0")
		return got == "frontend:Closing backend:Closing " ..
			"frontend:Closed backend:Closed " ..
			"frontend:Initialising backend:InitWait " ..
			"frontend:Initialised backend:Connected " ..
			"frontend:Connected", got
	 end }
