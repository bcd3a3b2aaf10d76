#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-man.sh render PAGE...
#   Renders each page with man(1) and groff(1) and fails on any warning or
#   error either prints.
# check-man.sh schema SCHEMA.c PAGE
#   Fails unless PAGE documents every kind, key and enum value SCHEMA.c
#   (harness/scenario/schema.c) accepts: each kind needs a ".SS <kind>"
#   section, each key an entry in it whose tag line starts ".B <key>" or
#   ".BR <key>", and each enum value of the key must appear in that section.
#
# A missing tool is a failure, not a skip: the check must not pass by not
# running.
set -u

fail() {
	echo "check-man: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
		fail "$1 not found (scripts/deps.sh installs $2)"
}

render() {
	need man man-db
	need groff groff-base
	bad=0
	for page in "$@"; do
		[ -r "$page" ] || fail "$page: cannot read"
		pbad=$bad
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat \
		      man --warnings -l "$page" 2>&1 >/dev/null)
		rc=$?
		if [ $rc -ne 0 ] || [ -n "$out" ]; then
			echo "$page: man --warnings -l (exit $rc):" >&2
			echo "$out" >&2
			bad=1
		fi
		out=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1)
		rc=$?
		if [ $rc -ne 0 ] || [ -n "$out" ]; then
			echo "$page: groff -man -ww -z -Tutf8 (exit $rc):" >&2
			echo "$out" >&2
			bad=1
		fi
		[ $bad -eq "$pbad" ] && echo "$page: renders without warnings"
	done
	return $bad
}

# kind<TAB>key<TAB>enum values (space-separated), one line per key, in
# schema order. Line-based on purpose: in schema.c every field entry
# starts on its own line with F_<TYPE>("key" or { "key", XF_SCN_<TYPE>,
# every enum array is "static const char *const <name>[] = { ... };",
# and every field array is bound to its kind name by KIND(var, "name", ...).
extract() {
	awk '
	function strings(s, out,   n) {
		n = 0
		while (match(s, /"[^"]*"/)) {
			out[++n] = substr(s, RSTART + 1, RLENGTH - 2)
			s = substr(s, RSTART + RLENGTH)
		}
		return n
	}
	function enum_of(s,   n, i, t, tok) {
		n = split(s, tok, /[^A-Za-z0-9_]+/)
		for (i = 1; i <= n; i++)
			if (tok[i] in enums)
				return enums[tok[i]]
		return ""
	}
	in_enum {
		n = strings($0, q)
		for (i = 1; i <= n; i++)
			enums[cur] = enums[cur] (enums[cur] == "" ? "" : " ") q[i]
		if ($0 ~ /};/)
			in_enum = 0
		next
	}
	/^static const char \*const [A-Za-z0-9_]+\[\] = \{/ {
		cur = $5
		sub(/\[\]$/, "", cur)
		enums[cur] = ""
		s = $0
		sub(/^[^{]*\{/, "", s)
		n = strings(s, q)
		for (i = 1; i <= n; i++)
			enums[cur] = enums[cur] (enums[cur] == "" ? "" : " ") q[i]
		in_enum = ($0 !~ /};/)
		next
	}
	/^static const struct xf_scn_field [A-Za-z0-9_]+_f\[\] = \{/ {
		arr = $5
		sub(/_f\[\]$/, "", arr)
		arrays[++narrays] = arr
		in_fields = 1
		next
	}
	in_fields && /^};/ {
		in_fields = 0
		next
	}
	in_fields && /^[ \t]*F_NAME/ {
		keys[arr, ++nkeys[arr]] = "name"
		vals[arr, nkeys[arr]] = ""
		next
	}
	in_fields && (/^[ \t]*F_[A-Z]+\("/ || /^[ \t]*\{ "[^"]+", XF_SCN_/) {
		strings($0, q)
		keys[arr, ++nkeys[arr]] = q[1]
		vals[arr, nkeys[arr]] = ($0 ~ /F_ENUM\(|XF_SCN_ENUM/) ? \
			enum_of($0) : ""
		if (($0 ~ /F_ENUM\(|XF_SCN_ENUM/) && vals[arr, nkeys[arr]] == "")
			err = err "\n" FILENAME ":" FNR ": enum key " q[1] \
			      " names no known enum array"
		next
	}
	in_fields && /^[ \t]*(F_|\{|REQ)/ {
		err = err "\n" FILENAME ":" FNR ": field line not understood: " $0
		next
	}
	/KIND\([A-Za-z0-9_]+, "/ {
		s = $0
		sub(/.*KIND\(/, "", s)
		v = s
		sub(/,.*/, "", v)
		strings(s, q)
		kind[v] = q[1]
	}
	END {
		for (a = 1; a <= narrays; a++) {
			arr = arrays[a]
			if (!(arr in kind))
				err = err "\n" FILENAME ": field array " arr \
				      "_f has no KIND()"
			if (!nkeys[arr])
				err = err "\n" FILENAME ": no keys found in " \
				      arr "_f"
			for (i = 1; i <= nkeys[arr]; i++)
				printf "%s\t%s\t%s\n", kind[arr], keys[arr, i], \
				       vals[arr, i]
		}
		if (err != "") {
			print "check-man: schema extraction:" err > "/dev/stderr"
			exit 1
		}
	}' "$1"
}

schema() {
	[ $# -eq 2 ] || fail "usage: check-man.sh schema SCHEMA.c PAGE"
	[ -r "$1" ] || fail "$1: cannot read"
	[ -r "$2" ] || fail "$2: cannot read"
	tmp=$(mktemp) || fail "mktemp failed"
	trap 'rm -f "$tmp"' EXIT
	extract "$1" >"$tmp" || exit 1
	[ -s "$tmp" ] || fail "$1: extracted no keys (has its layout changed?)"
	nkeys=$(wc -l <"$tmp")
	nkinds=$(cut -f1 "$tmp" | sort -u | wc -l)
	# The page as text: \- is -, font and quote escapes dropped.
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e "s/\\\\(aq/'/g" \
	    -e 's/\\(dq/"/g' -e 's/\\&//g' "$2" |
	awk -F '\t' -v page="$2" '
	function word_in(w, s,   i, b, a) {
		while ((i = index(s, w)) > 0) {
			b = i > 1 ? substr(s, i - 1, 1) : " "
			a = substr(s, i + length(w), 1)
			if (b !~ /[A-Za-z0-9_-]/ && a !~ /[A-Za-z0-9_-]/)
				return 1
			s = substr(s, i + length(w))
		}
		return 0
	}
	NR == FNR {
		n++
		k[n] = $1; key[n] = $2; v[n] = $3
		next
	}
	/^\.S[HS]/ {
		sec = $0
		sub(/^\.S[HS][ \t]+/, "", sec)
		gsub(/"/, "", sec)
		if ($0 ~ /^\.SH/)
			sec = ""
		next
	}
	sec != "" {
		has_sec[sec] = 1
		text[sec] = text[sec] " " $0
		if ($0 ~ /^\.BR?[ \t]/) {
			t = $0
			sub(/^\.BR?[ \t]+/, "", t)
			sub(/[ \t].*/, "", t)
			gsub(/"/, "", t)
			entry[sec, t] = 1
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			if (!(k[i] in has_sec)) {
				if (!(k[i] in told))
					printf "%s: no \".SS %s\" section\n", \
					       page, k[i]
				told[k[i]] = 1
				bad = 1
				continue
			}
			if (!((k[i], key[i]) in entry)) {
				printf "%s: %s: key %s has no entry\n", page, \
				       k[i], key[i]
				bad = 1
			}
			m = split(v[i], e, " ")
			for (j = 1; j <= m; j++)
				if (!word_in(e[j], text[k[i]])) {
					printf "%s: %s: %s value \"%s\" is " \
					       "not described\n", page, k[i], \
					       key[i], e[j]
					bad = 1
				}
		}
		exit bad
	}' "$tmp" - >&2 || exit 1
	echo "$2: documents all $nkeys keys of $nkinds kinds in $1"
}

case "${1:-}" in
render)
	shift
	[ $# -gt 0 ] || fail "usage: check-man.sh render PAGE..."
	render "$@"
	;;
schema)
	shift
	schema "$@"
	;;
*)
	fail "usage: check-man.sh render PAGE... | schema SCHEMA.c PAGE"
	;;
esac
