package pbtest

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cordonsec/cordon/playbook"
)

// Options configure Run.
type Options struct {
	// Match selects cases by "file-base/case name" (like go test -run);
	// nil runs every case.
	Match *regexp.Regexp
	// Library is the playbook library; "" is each test file's directory.
	Library string
}

// Result is one case's outcome.
type Result struct {
	File     string   `json:"file"`
	Case     string   `json:"case"`
	Passed   bool     `json:"passed"`
	Failures []string `json:"failures,omitempty"`
	Status   string   `json:"status,omitempty"` // the run's status
	Seconds  float64  `json:"seconds"`
}

// Report is every case of a `cordon test`.
type Report struct {
	Results []Result           `json:"results"`
	Errors  playbook.ErrorList `json:"errors"` // test files that did not load
	Passed  int                `json:"passed"`
	Failed  int                `json:"failed"`
}

// OK says whether every file loaded and every case passed.
func (r *Report) OK() bool { return len(r.Errors) == 0 && r.Failed == 0 }

// Files expands the paths given to cordon test: test files as they are,
// directories to the *.test.yaml files under them.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, Suffix) {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Run loads every test file and runs the cases opts selects, calling
// progress (when set) after each case.
func Run(files []string, opts Options, progress func(Result)) *Report {
	rep := &Report{Results: []Result{}}
	for _, path := range files {
		f, err := Load(path, opts.Library)
		if list, ok := err.(playbook.ErrorList); ok {
			rep.Errors = append(rep.Errors, list...)
			continue
		}
		if err != nil {
			rep.Errors = append(rep.Errors, &playbook.Error{File: path, Line: 1, Col: 1, Kind: playbook.CheckSyntax, Message: err.Error()})
			continue
		}
		base := strings.TrimSuffix(filepath.Base(path), Suffix)
		for _, c := range f.Cases {
			if opts.Match != nil && !opts.Match.MatchString(base+"/"+c.Name) {
				continue
			}
			start := time.Now()
			o := f.runCase(c)
			res := Result{File: path, Case: c.Name, Failures: f.verify(c, o)}
			res.Passed = len(res.Failures) == 0
			if o.status != nil {
				res.Status = string(o.status.Status)
			}
			res.Seconds = time.Since(start).Seconds()
			if res.Passed {
				rep.Passed++
			} else {
				rep.Failed++
			}
			rep.Results = append(rep.Results, res)
			if progress != nil {
				progress(res)
			}
		}
	}
	return rep
}

// WriteResult prints one case as ok or FAIL, with what differed.
func WriteResult(w io.Writer, r Result) {
	mark := "ok  "
	if !r.Passed {
		mark = "FAIL"
	}
	fmt.Fprintf(w, "%s %s: %s (%.2fs)\n", mark, r.File, r.Case, r.Seconds)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "       %s\n", strings.ReplaceAll(f, "\n", "\n       "))
	}
}

// WriteSummary prints the load errors and the totals.
func WriteSummary(w io.Writer, r *Report) {
	if len(r.Errors) > 0 {
		_ = r.Errors.Format(w, false)
	}
	fmt.Fprintf(w, "%d passed, %d failed", r.Passed, r.Failed)
	if n := len(r.Errors); n > 0 {
		fmt.Fprintf(w, ", %d test file errors", n)
	}
	fmt.Fprintln(w)
}

// WriteJSON prints the whole report as one JSON object.
func WriteJSON(w io.Writer, r *Report) error {
	slices.SortStableFunc(r.Results, func(a, b Result) int { return strings.Compare(a.File, b.File) })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
