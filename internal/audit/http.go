package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPSink posts events to a collector (a SIEM's HTTP intake) as
// newline-delimited JSON (Content-Type application/x-ndjson), in batches.
// Write only appends to a spool file on disk (synced), so a run never
// waits for the collector and a line survives a worker restart; a
// goroutine sends the spool in order, retrying with backoff until the
// collector answers 2xx, then drops what it sent. Lines are therefore
// delivered at least once: a batch whose answer was lost is sent again.
type HTTPSink struct {
	url, token, spool string
	hc                *http.Client
	log               *slog.Logger
	minBackoff        time.Duration
	maxBackoff        time.Duration
	batch             int

	mu        sync.Mutex // guards the spool file
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	delivered atomic.Int64
	closeOnce sync.Once
}

// HTTPOptions configure an HTTPSink.
type HTTPOptions struct {
	URL string
	// Token, when set, is sent as Authorization: Bearer.
	Token string
	// Spool is the spool file. Required.
	Spool string
	// Client; default one with a 30 s timeout.
	Client *http.Client
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between failed sends.
	// Defaults 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
	// Batch is the most lines per request. Default 500.
	Batch int
}

// NewHTTPSink starts the sender; lines spooled by an earlier process are
// sent first.
func NewHTTPSink(o HTTPOptions) (*HTTPSink, error) {
	if o.URL == "" || o.Spool == "" {
		return nil, errors.New("audit: the HTTP sink needs a URL and a spool file")
	}
	if err := os.MkdirAll(filepath.Dir(o.Spool), 0o750); err != nil {
		return nil, fmt.Errorf("audit spool: %w", err)
	}
	s := &HTTPSink{url: o.URL, token: o.Token, spool: o.Spool, hc: o.Client, log: o.Logger,
		minBackoff: o.MinBackoff, maxBackoff: o.MaxBackoff, batch: o.Batch,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.minBackoff <= 0 {
		s.minBackoff = time.Second
	}
	if s.maxBackoff < s.minBackoff {
		s.maxBackoff = max(time.Minute, s.minBackoff)
	}
	if s.batch <= 0 {
		s.batch = 500
	}
	go s.run()
	return s, nil
}

// Write implements Sink: it spools the lines and wakes the sender.
func (s *HTTPSink) Write(_ context.Context, events []Event) error {
	b, err := lines(events)
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = appendSync(s.spool, b)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// Delivered is how many lines the collector has accepted.
func (s *HTTPSink) Delivered() int64 { return s.delivered.Load() }

// Close stops the sender; unsent lines stay in the spool for the next start.
func (s *HTTPSink) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *HTTPSink) run() {
	defer close(s.done)
	backoff := s.minBackoff
	for {
		s.mu.Lock()
		pending, err := readLines(s.spool)
		s.mu.Unlock()
		if err != nil {
			s.log.Error("audit spool unreadable", "spool", s.spool, "error", err)
		}
		if len(pending) == 0 || err != nil {
			select {
			case <-s.wake:
				continue
			case <-s.stop:
				return
			}
		}
		n := min(len(pending), s.batch)
		if err := s.send(bytes.Join(pending[:n], nil)); err != nil {
			s.log.Warn("audit collector refused a batch; retrying", "url", s.url, "lines", n, "retry_in", backoff, "error", err)
			select {
			case <-time.After(backoff):
			case <-s.stop:
				return
			}
			backoff = min(backoff*2, s.maxBackoff)
			continue
		}
		backoff = s.minBackoff
		s.mu.Lock()
		err = dropLines(s.spool, n)
		s.mu.Unlock()
		if err != nil {
			s.log.Error("audit spool not trimmed; lines will be sent again", "spool", s.spool, "error", err)
			continue
		}
		s.delivered.Add(int64(n))
	}
}

func (s *HTTPSink) send(body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

func appendSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// dropLines removes the first n lines of the spool (atomically: a crash
// leaves the old or the new file, never a torn one).
func dropLines(path string, n int) error {
	all, err := readLines(path)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, bytes.Join(all[min(n, len(all)):], nil), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
