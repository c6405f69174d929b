# SPDX-License-Identifier: MIT
# tests/cases/lib.sh: what the shell cases share, sourced by each (POSIX sh, bash too):
#   . "$(dirname "$0")/../lib.sh"
# It makes a private directory $tmp, removed on exit (a case that starts servers sets its own
# trap afterwards, removing $tmp too), and counts failures in $fails. Then:
#   fail MESSAGE...            print "FAIL MESSAGE" and count it
#   run STATUS NAME ARGS...    run "$kl" $kl_command ARGS (kl_command: the subcommand the case
#                              tests, or unset), stdout to $tmp/out, stderr to $tmp/err; fail
#                              NAME unless it exits STATUS
#   expect FILE PATTERN NAME   fail NAME unless FILE (a path, or a name in $tmp) has a line
#                              matching the grep pattern
#   refuse FILE PATTERN NAME   fail NAME if it has one
#   status WANT GOT NAME       fail NAME unless the exit status GOT is WANT (showing $tmp/err)
#   finish [MESSAGE]           exit 0 (printing MESSAGE) when nothing failed, else 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

run() { # expected-status name args...
    want=$1
    name=$2
    shift 2
    "$kl" ${kl_command:+"$kl_command"} "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "$name: exit $got, expected $want"
        sed 's/^/  out: /' "$tmp/out" | head -40
        sed 's/^/  err: /' "$tmp/err" | head -40
    fi
}

lib_file() { # a path, or a name in $tmp
    case $1 in /*) echo "$1" ;; *) echo "$tmp/$1" ;; esac
}

expect() { # file pattern name
    if ! grep -q -e "$2" "$(lib_file "$1")"; then
        fail "$3: $1 lacks: $2"
        sed "s/^/  | /" "$(lib_file "$1")" | head -40
    fi
}

refuse() { # file pattern name
    if grep -q -e "$2" "$(lib_file "$1")"; then
        fail "$3: $1 has: $2"
    fi
}

status() { # expected got name
    [ "$1" = "$2" ] || {
        fail "$3: exit $2, expected $1"
        sed 's/^/  err: /' "$tmp/err" | head -20
    }
}

finish() { # [message when all passed]
    if [ "$fails" -eq 0 ]; then
        [ $# -eq 0 ] || echo "$*"
        exit 0
    fi
    echo "$fails failure(s)"
    exit 1
}
