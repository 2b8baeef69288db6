package pbtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cordonsec/cordon/internal/oktasim"
)

// faulty serves the simulated org, answering the Nth request that matches
// a fault as the fault says. The org's own fault injection
// (oktasim.Fault) samples rates; a test needs "the third write", so the
// counting happens here, in front of the org.
type faulty struct {
	sim    *oktasim.Sim
	mu     sync.Mutex
	faults []Fault
	seen   []int // matching requests so far, per fault
	fired  []int
}

func newFaulty(sim *oktasim.Sim, faults []Fault) *faulty {
	return &faulty{sim: sim, faults: faults, seen: make([]int, len(faults)), fired: make([]int, len(faults))}
}

// pick returns the answer for this request, "" to serve it normally.
func (f *faulty) pick(r *http.Request) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := ""
	for i, ft := range f.faults {
		if ft.Method != "" && !strings.EqualFold(ft.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, cmpOr(ft.Path, "/api/")) {
			continue
		}
		// Every fault counts every matching request, also those another
		// fault answered: "request 2" is the second such request made.
		f.seen[i]++
		if answer == "" && f.seen[i] >= max(ft.Request, 1) && f.fired[i] < max(ft.Times, 1) {
			f.fired[i]++
			answer = ft.Answer
		}
	}
	return answer
}

// unfired lists the faults that never fired: a case whose fault matched
// nothing tests less than it says.
func (f *faulty) unfired() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for i, ft := range f.faults {
		if f.fired[i] == 0 {
			out = append(out, fmt.Sprintf("%s %s request %d (%d matching requests were made)",
				cmpOr(ft.Method, "any"), cmpOr(ft.Path, "/api/"), max(ft.Request, 1), f.seen[i]))
		}
	}
	return out
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__sim/") {
		f.sim.ServeHTTP(w, r)
		return
	}
	ans := f.pick(r)
	switch ans {
	case "429":
		// As Okta answers a rate limit: E0000047, with the window's reset.
		now := time.Now()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", "600")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Unix()+1, 10))
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaepbtest429","errorCauses":[]}`)
	case "500", "503":
		code := http.StatusInternalServerError
		if ans == "503" {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, `{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oaepbtest500","errorCauses":[]}`)
	case "lost":
		// The org does the work; the reply never arrives.
		f.sim.ServeHTTP(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler)
	default:
		f.sim.ServeHTTP(w, r)
	}
}
