package devserver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"syscall"
)

// PortInUseError reports that a port the caller asked for is taken. The
// worker turns it into a one-line hint naming the flag that changes it.
type PortInUseError struct {
	Port int
	// What names the listener: "frontend" or "ui".
	What string
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d (%s) is in use", e.Port, e.What)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// ports are the listeners of one embedded server. Only the frontend and the
// UI are chosen by the user; the internal services get free ports because
// nothing outside the process dials them.
type ports struct {
	frontend, frontendHTTP, history, matching, worker int
}

// reservePorts checks the requested ports before the server starts: the
// Temporal server would fail with a long fx error, and the UI server exits
// the process on a bind error, so checking first is the only way to give a
// clear message. A window remains between this check and the real bind; it
// only matters if another program grabs the port in those milliseconds.
func reservePorts(host string, frontend, ui int) (ports, error) {
	var p ports
	var err error
	if p.frontend, err = checkOrPick(host, frontend, "frontend"); err != nil {
		return p, err
	}
	if ui != 0 {
		if _, err := checkOrPick(host, ui, "ui"); err != nil {
			return p, err
		}
	}
	taken := map[int]bool{p.frontend: true, ui: true}
	for _, dst := range []*int{&p.frontendHTTP, &p.history, &p.matching, &p.worker} {
		for *dst = 0; *dst == 0 || taken[*dst]; {
			if *dst, err = checkOrPick(host, 0, "internal"); err != nil {
				return p, err
			}
		}
		taken[*dst] = true
	}
	return p, nil
}

// Free ports are picked below Linux's ephemeral range (32768-60999 by
// default). A port from that range, free when picked, can become the
// local end of any outgoing connection (the worker's, the CLI's) before
// the server binds it, and the server then fails to start; a port below
// it is only taken by another listener.
const pickLow, pickHigh = 20000, 32000

// picked are the ports this process has handed out. Picking checks that
// a port can be bound and closes it again; servers started side by side
// in one process (the end-to-end tests start several at once) could
// otherwise be handed the same port in that window, and the second
// server's listener fails. A port is never handed out twice.
var picked = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// claim records port as handed out; false when it already was.
func claim(port int) bool {
	picked.Lock()
	defer picked.Unlock()
	if picked.ports[port] {
		return false
	}
	picked.ports[port] = true
	return true
}

// checkOrPick returns port if it can be bound on host, or a free port when
// port is 0.
func checkOrPick(host string, port int, what string) (int, error) {
	if port == 0 {
		for range 200 {
			candidate := pickLow + rand.IntN(pickHigh-pickLow)
			if l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(candidate))); err == nil {
				_ = l.Close()
				if claim(candidate) {
					return candidate, nil
				}
			}
		}
		// Fall back to any free port the system gives.
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return 0, &PortInUseError{Port: port, What: what, Err: err}
		}
		return 0, fmt.Errorf("cannot listen on %s port %d: %w", what, port, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
