package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// lines encodes events as JSON lines.
func lines(events []Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// WriterSink writes JSON lines to W (stdout: a container's log collector
// ships them). Lines of one Write are never interleaved with another's.
type WriterSink struct {
	mu sync.Mutex
	W  io.Writer
}

// Write implements Sink.
func (s *WriterSink) Write(_ context.Context, events []Event) error {
	b, err := lines(events)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.W.Write(b)
	return err
}

// Close implements Sink; it leaves W open.
func (s *WriterSink) Close() error { return nil }

// Rotation defaults of FileSink.
const (
	DefaultMaxBytes = 100 << 20
	DefaultKeep     = 10
)

// FileSink appends JSON lines to a file and syncs after every write, so a
// line is on disk before the activity that wrote it completes. When the
// file would pass MaxBytes it is renamed to Path.1 (Path.1 to Path.2, ...;
// the oldest beyond Keep is removed) and a new one started.
type FileSink struct {
	Path string
	// MaxBytes is the size that starts a new file. Default DefaultMaxBytes.
	MaxBytes int64
	// Keep is how many rotated files are kept. Default DefaultKeep.
	Keep int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Write implements Sink.
func (s *FileSink) Write(_ context.Context, events []Event) error {
	b, err := lines(events)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.open(); err != nil {
		return err
	}
	if s.size > 0 && s.size+int64(len(b)) > s.maxBytes() {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	n, err := s.f.Write(b)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("audit file %s: %w", s.Path, err)
	}
	return s.f.Sync()
}

func (s *FileSink) maxBytes() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return DefaultMaxBytes
}

func (s *FileSink) open() error {
	if s.f != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o750); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	f, err := os.OpenFile(s.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit file: %w", err)
	}
	s.f, s.size = f, st.Size()
	return nil
}

func (s *FileSink) rotate() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("audit file %s: %w", s.Path, err)
	}
	s.f = nil
	keep := s.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	_ = os.Remove(s.Path + "." + strconv.Itoa(keep))
	for i := keep - 1; i >= 1; i-- {
		old := s.Path + "." + strconv.Itoa(i)
		if err := os.Rename(old, s.Path+"."+strconv.Itoa(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("rotating audit file: %w", err)
		}
	}
	if err := os.Rename(s.Path, s.Path+".1"); err != nil {
		return fmt.Errorf("rotating audit file: %w", err)
	}
	return s.open()
}

// Close implements Sink.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// readLines returns the complete lines of a file (a torn last line, from a
// crash mid-write, is dropped: its activity had not completed).
func readLines(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, line)
	}
}
