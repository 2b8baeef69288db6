package oktasim

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// unlimited switches every rate-limit bucket off so that benchmarks measure
// serving, not 429s.
func unlimited() map[string]int {
	m := DefaultLimits()
	for k := range m {
		m[k] = 0
	}
	return m
}

// BenchmarkGetUserLoopback measures simple GETs (GET /api/v1/users/{id})
// over real loopback HTTP with keep-alive connections, the way Cordon's
// client talks to the simulator. Run with:
//
//	go test ./internal/oktasim -run '^$' -bench GetUserLoopback -benchtime 5s
func BenchmarkGetUserLoopback(b *testing.B) {
	srv := NewTestServer(b, Options{Seed: SeedDemo, Limits: unlimited(), Concurrency: -1})
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
	url := srv.URL() + "/api/v1/users/" + DemoActiveUserID
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "SSWS test-token")
		for pb.Next() {
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// Client and server share the process, so CPU time per request covers
	// both ends; req/cpu-s times the core count is the machine's capacity
	// when nothing else competes for it.
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "req/cpu-s")
	}
}

// BenchmarkListUsersLoopback measures a filtered list over 50,000 users.
func BenchmarkListUsersLoopback(b *testing.B) {
	srv := NewTestServer(b, Options{Seed: SeedDemo, Users: 50000, Limits: unlimited(), Concurrency: -1})
	client := &http.Client{}
	url := srv.URL() + `/api/v1/users?filter=profile.login+eq+%22jane.doe%40acme.com%22`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "SSWS test-token")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// BenchmarkGetUserDPoPLoopback is BenchmarkGetUserLoopback's GET made with
// a DPoP-bound access token, one request at a time: each request signs a
// fresh ES256 proof (client side) that the org verifies, looks the token
// up, checks the binding and the scope. Compare its ns/op with
// BenchmarkGetUserSSWSSerial's for the cost of DPoP per request.
//
//	go test ./internal/oktasim -run '^$' -bench 'GetUser(DPoP|SSWSSerial)' -benchtime 3s
func BenchmarkGetUserDPoPLoopback(b *testing.B) {
	h := newHarness(b, Options{Limits: unlimited(), Concurrency: -1, DPoPNonceLifetime: 24 * time.Hour, Now: time.Now})
	d := ecKey(b, "dpop")
	c := newSvcAt(b, h.sim, h.srv.URL(), ecKey(b, "k"), &d, time.Now, "okta.users.read")
	tok, _ := c.token("okta.users.read")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.api("GET", "/api/v1/users/"+DemoActiveUserID, tok, ""); r.status != http.StatusOK {
			b.Fatalf("status %d: %s", r.status, r.raw)
		}
	}
}

// BenchmarkGetUserSSWSSerial is the same GET with the SSWS token.
func BenchmarkGetUserSSWSSerial(b *testing.B) {
	srv := NewTestServer(b, Options{Limits: unlimited(), Concurrency: -1})
	hdr := http.Header{"Authorization": {"SSWS test-token"}, "Accept": {"application/json"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := send(b, "GET", srv.URL()+"/api/v1/users/"+DemoActiveUserID, hdr, ""); r.status != http.StatusOK {
			b.Fatalf("status %d", r.status)
		}
	}
}
