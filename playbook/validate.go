package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cordonsec/cordon/action"
)

// Exit codes of Validate, as `cordon validate` returns them.
const (
	ExitValid   = 0 // every file is valid
	ExitInvalid = 1 // some file has errors
	ExitUsage   = 2 // no files, or a file could not be read
)

// Validate loads each file and reports its errors to w: as compiler-style
// text with source lines and carets, or with jsonOut as one JSON array of
// {file, line, col, message, kind} (empty when all are valid). A valid
// file's warnings (ApprovalWarnings) follow its "ok", and are in the JSON
// array with severity "warning"; they do not change the exit code. It
// returns an Exit* code. The CLI's validate command is a thin wrapper
// around it.
func Validate(files []string, opts Options, w io.Writer, jsonOut bool) int {
	if len(files) == 0 {
		fmt.Fprintln(w, "validate: no playbook files given")
		return ExitUsage
	}
	all := ErrorList{}
	code := ExitValid
	for _, f := range files {
		pb, err := LoadFile(f, opts)
		var list ErrorList
		switch {
		case err == nil:
			warnings := ApprovalWarnings(pb, opts.Registry)
			if jsonOut {
				all = append(all, warnings...)
				continue
			}
			fmt.Fprintf(w, "%s: ok\n", f)
			_ = warnings.Format(w, false)
			continue
		case errors.As(err, &list):
			code = max(code, ExitInvalid)
		default:
			fmt.Fprintf(w, "validate: %v\n", err)
			code = ExitUsage
			continue
		}
		if jsonOut {
			all = append(all, list...)
		} else {
			_ = list.Format(w, false)
		}
	}
	if jsonOut {
		b, _ := json.MarshalIndent(all, "", "  ") // []*Error always encodes
		fmt.Fprintln(w, string(b))
	}
	return code
}

// DirLibrary returns a Library lookup for the playbooks of dir, found by
// file name (<name>.yaml or <name>.yml), or nil (no check) when dir does
// not exist.
func DirLibrary(dir string) func(name string) bool {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	return func(name string) bool { return libraryPath(dir, name) != "" }
}

// DirChildInputs returns a ChildInputs lookup over the playbooks of dir.
// A child is loaded without checking its own children, so calls that go
// round in a circle cannot recurse; a child that does not load is skipped
// here and reported when it is validated itself.
func DirChildInputs(dir string, reg *action.Registry) func(name string) []*Input {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	return func(name string) []*Input {
		path := libraryPath(dir, name)
		if path == "" {
			return nil
		}
		child, err := LoadFile(path, Options{Registry: reg})
		if err != nil {
			return nil
		}
		return child.Inputs
	}
}

// Resolve turns a PLAYBOOK argument into a file: the path itself when it
// exists, else the library file of that name in dir.
func Resolve(arg, dir string) (string, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return arg, nil
	}
	if p := libraryPath(dir, arg); p != "" {
		return p, nil
	}
	return "", fmt.Errorf("no playbook %q: not a file, and not in the library %s", arg, dir)
}

func libraryPath(dir, name string) string {
	if !namePattern.MatchString(name) {
		return ""
	}
	for _, ext := range []string{".yaml", ".yml"} {
		p := filepath.Join(dir, name+ext)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func libraryFiles(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	// Playbook tests (cordon test) live beside the playbooks they test;
	// they are not playbooks.
	files = slices.DeleteFunc(files, func(f string) bool {
		return strings.HasSuffix(f, ".test.yaml") || strings.HasSuffix(f, ".test.yml")
	})
	sort.Strings(files)
	return files
}
