package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Exit codes of Validate, as `cordon validate` returns them.
const (
	ExitValid   = 0 // every file is valid
	ExitInvalid = 1 // some file has errors
	ExitUsage   = 2 // no files, or a file could not be read
)

// Validate loads each file and reports its errors to w: as compiler-style
// text with source lines and carets, or with jsonOut as one JSON array of
// {file, line, col, message, kind} (empty when all are valid). It returns
// an Exit* code. The CLI's validate command is a thin wrapper around it.
func Validate(files []string, opts Options, w io.Writer, jsonOut bool) int {
	if len(files) == 0 {
		fmt.Fprintln(w, "validate: no playbook files given")
		return ExitUsage
	}
	all := ErrorList{}
	code := ExitValid
	for _, f := range files {
		_, err := LoadFile(f, opts)
		var list ErrorList
		switch {
		case err == nil:
			if !jsonOut {
				fmt.Fprintf(w, "%s: ok\n", f)
			}
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

// DirLibrary returns a Library lookup over the playbook names in dir, or
// nil (no check) when dir holds no playbooks. Names are read without a full
// load, so one broken library file does not hide the others' names.
func DirLibrary(dir string) func(name string) bool {
	names := map[string]string{}
	for _, f := range libraryFiles(dir) {
		if src, err := os.ReadFile(f); err == nil {
			if n := peekName(src); n != "" {
				names[n] = f
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	return func(name string) bool { _, ok := names[name]; return ok }
}

// Resolve turns a PLAYBOOK argument into a file: the path itself when it
// exists, else the file in dir whose playbook has that name.
func Resolve(arg, dir string) (string, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return arg, nil
	}
	for _, f := range libraryFiles(dir) {
		if src, err := os.ReadFile(f); err == nil && peekName(src) == arg {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s: no such file, and no playbook of that name in %s", arg, dir)
}

func libraryFiles(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	files = append(files, more...)
	sort.Strings(files)
	return files
}
