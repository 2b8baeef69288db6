package oktasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault injects failures into API requests whose path starts with Path (and
// whose method is Method, when set). Rates are fractions in [0,1] sampled from
// the seeded PRNG; 1 means every matching request.
type Fault struct {
	Path          string        // path prefix, e.g. "/api/v1/zones"; "" matches every API path
	Method        string        // "" matches every method
	UserAgent     string        // "" matches every client; else requests whose User-Agent contains it
	ErrorRate     float64       // answer 500 E0000009
	Latency       time.Duration // delay before handling (honours client cancellation)
	DropRate      float64       // close the connection without a response
	RateLimitRate float64       // answer 429 E0000047 with Remaining 0 (a 429 storm)
	// LostReplyRate serves the request (a write lands) and then closes
	// the connection without its response: the reply is lost.
	LostReplyRate float64
	Times         int // stop after firing this many times; 0 = unlimited
}

// faultJSON is Fault on the admin endpoint, with latency as a Go duration
// string ("250ms") so that curl users need not count nanoseconds.
type faultJSON struct {
	Path          string  `json:"path"`
	Method        string  `json:"method,omitempty"`
	UserAgent     string  `json:"userAgent,omitempty"`
	ErrorRate     float64 `json:"errorRate,omitempty"`
	Latency       string  `json:"latency,omitempty"`
	DropRate      float64 `json:"dropRate,omitempty"`
	RateLimitRate float64 `json:"rateLimitRate,omitempty"`
	LostReplyRate float64 `json:"lostReplyRate,omitempty"`
	Times         int     `json:"times,omitempty"`
}

// MarshalJSON renders the admin endpoint's form.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{Path: f.Path, Method: f.Method, UserAgent: f.UserAgent, ErrorRate: f.ErrorRate, DropRate: f.DropRate,
		RateLimitRate: f.RateLimitRate, LostReplyRate: f.LostReplyRate, Times: f.Times}
	if f.Latency > 0 {
		j.Latency = f.Latency.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the admin endpoint's form.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault{Path: j.Path, Method: strings.ToUpper(j.Method), UserAgent: j.UserAgent, ErrorRate: j.ErrorRate, DropRate: j.DropRate,
		RateLimitRate: j.RateLimitRate, LostReplyRate: j.LostReplyRate, Times: j.Times}
	if j.Latency != "" {
		d, err := time.ParseDuration(j.Latency)
		if err != nil {
			return err
		}
		f.Latency = d
	}
	return nil
}

func (f Fault) inert() bool {
	return f.ErrorRate <= 0 && f.Latency <= 0 && f.DropRate <= 0 && f.RateLimitRate <= 0 && f.LostReplyRate <= 0
}

type activeFault struct {
	Fault
	fired int
}

type faultSet struct {
	mu   sync.Mutex
	list []*activeFault
	// serial admits one write handler at a time, so that the System Log
	// events it records carry its own request's client (serveFaulted).
	serial sync.Mutex
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.list = nil
}

// SetFault adds a fault, replacing any fault with the same Path and Method.
// A fault with no effect (all rates and latency zero) removes it.
func (s *Sim) SetFault(f Fault) {
	f.Method = strings.ToUpper(f.Method)
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, a := range fs.list {
		if a.Path == f.Path && a.Method == f.Method && a.UserAgent == f.UserAgent {
			fs.list = append(fs.list[:i:i], fs.list[i+1:]...)
			break
		}
	}
	if !f.inert() {
		fs.list = append(fs.list, &activeFault{Fault: f})
	}
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() { s.faults.clear() }

// Faults lists the active faults.
func (s *Sim) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make([]Fault, 0, len(s.faults.list))
	for _, a := range s.faults.list {
		out = append(out, a.Fault)
	}
	return out
}

type faultEffect struct {
	latency                   time.Duration
	drop, storm, broken, lost bool
}

// pick decides, under the lock, what the matching faults do to this request.
func (s *Sim) pickFaults(r *http.Request) faultEffect {
	var eff faultEffect
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, a := range fs.list {
		if !strings.HasPrefix(r.URL.Path, a.Path) || (a.Method != "" && a.Method != r.Method) ||
			(a.UserAgent != "" && !strings.Contains(r.UserAgent(), a.UserAgent)) {
			continue
		}
		if a.Times > 0 && a.fired >= a.Times {
			continue
		}
		fired := false
		if a.Latency > 0 {
			eff.latency += a.Latency
			fired = true
		}
		if s.roll(a.DropRate) {
			eff.drop, fired = true, true
		} else if s.roll(a.RateLimitRate) {
			eff.storm, fired = true, true
		} else if s.roll(a.ErrorRate) {
			eff.broken, fired = true, true
		} else if s.roll(a.LostReplyRate) {
			eff.lost, fired = true, true
		}
		if fired {
			a.fired++
		}
	}
	return eff
}

func (s *Sim) roll(rate float64) bool {
	return rate >= 1 || (rate > 0 && s.ids.float() < rate)
}

// applyFaults runs the faults for r; it reports whether the request has
// been answered (or its connection dropped) and must not be handled.
func (s *Sim) applyFaults(w http.ResponseWriter, r *http.Request, st rateState) (faultEffect, bool) {
	eff := s.pickFaults(r)
	if eff.latency > 0 {
		t := time.NewTimer(eff.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return eff, true
		}
	}
	switch {
	case eff.drop:
		dropConn(w)
		return eff, true
	case eff.storm:
		st.remaining = 0
		s.setRateHeaders(w, st)
		s.writeError(w, errRateLimited())
		return eff, true
	case eff.broken:
		s.writeError(w, errInternal())
		return eff, true
	}
	return eff, false
}

// dropConn closes the request's connection without a response.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// No connection to drop (e.g. a ResponseRecorder): abort the
		// handler the way net/http documents.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
	if sw, ok := w.(*statusWriter); ok {
		sw.status = 0 // the request log shows "no response"
	}
}

// serveFaulted serves an authorised, admitted API request with its faults
// applied. A write runs alone (faultSet.serial) with its client recorded
// on the org, so its System Log events name the request's User-Agent and
// request id as Okta's do. A lost reply runs the handler, so the write
// lands, and then drops the connection.
func (s *Sim) serveFaulted(w http.ResponseWriter, r *http.Request, st rateState, h handler) {
	eff, answered := s.applyFaults(w, r, st)
	if answered {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	out := w
	if eff.lost {
		out = &discardWriter{header: http.Header{}}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.faults.serial.Lock()
		defer s.faults.serial.Unlock()
		s.setCaller(map[string]any{"rawUserAgent": r.UserAgent(),
			"requestId": w.Header().Get("X-Okta-Request-Id"), "requestUri": r.URL.Path})
		defer s.setCaller(nil)
	}
	if e := h(out, r); e != nil {
		s.writeError(out, e)
	}
	if eff.lost {
		dropConn(w)
	}
}

func (s *Sim) setCaller(c map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.org.caller = c
}

// discardWriter takes a response that is never sent (a lost reply).
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
