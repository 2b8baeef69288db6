package runs

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// ReadAlert reads an alert: a JSON object from a file, or stdin for "-".
func ReadAlert(path string, stdin io.Reader) (map[string]any, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, MaxAlertBytes+1))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("alert: %w", err)
	}
	if len(b) > MaxAlertBytes {
		return nil, fmt.Errorf("alert %s is larger than %d bytes", path, MaxAlertBytes)
	}
	return ParseAlert(path, b)
}

// MaxAlertBytes bounds an alert (1 MiB), as the webhook does.
const MaxAlertBytes = 1 << 20

// MaxAlertIDBytes bounds an alert's id: the run IDs built from it
// (<playbook>-<id>) must fit Temporal's 1,000-byte workflow ID limit.
const MaxAlertIDBytes = 800

// ParseAlert decodes one alert JSON object, within the same nesting and
// size limits as a playbook (playbook.ScanJSON), with an id short enough
// to name its runs.
func ParseAlert(name string, b []byte) (map[string]any, error) {
	if err := playbook.ScanJSON(b); err != nil {
		return nil, fmt.Errorf("alert %s: %v", name, err)
	}
	var alert map[string]any
	if err := json.Unmarshal(b, &alert); err != nil {
		return nil, fmt.Errorf("alert %s is not a JSON object: %v", name, err)
	}
	if alert == nil {
		return nil, fmt.Errorf("alert %s is not a JSON object", name)
	}
	if id := AlertID(alert); len(id) > MaxAlertIDBytes {
		return nil, fmt.Errorf("alert %s: id is %d bytes long; at most %d fit in the IDs of its runs", name, len(id), MaxAlertIDBytes)
	}
	return alert, nil
}

// AlertID is the alert's id field as a string, "" when absent; the
// workflow computes CordonAlertID with the same function.
func AlertID(alert map[string]any) string { return workflows.AlertID(alert) }

// MaxInputFileBytes bounds one --input K=@FILE or --inputs FILE (64 MiB):
// generous for a list of 1,000,000 user ids, small enough to refuse a
// wrong file before reading it whole.
const MaxInputFileBytes = 64 << 20

// FileInputs turns --input KEY=VALUE pairs into run inputs, with values
// read from files: "@PATH" is the file's text (for a list input, a JSON
// list or one value per line; see playbook.InputsWithDefaults), "@@text"
// is the literal "@text". A file keeps shell argument limits out of the
// way of long lists. Values stay strings here: Playbook.InputsWithDefaults
// (called by Start) converts each to its declared type and reports
// undeclared keys, so the CLI, the webhook and child playbooks share one
// set of input rules.
func FileInputs(raw map[string]string) (map[string]any, error) {
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		switch {
		case strings.HasPrefix(v, "@@"):
			out[k] = v[1:]
		case strings.HasPrefix(v, "@"):
			b, err := readInputFile(v[1:])
			if err != nil {
				return nil, &InputError{Err: fmt.Errorf("--input %s=%s: %v", k, v, err)}
			}
			out[k] = strings.TrimRight(string(b), "\r\n")
		default:
			out[k] = v
		}
	}
	return out, nil
}

// ReadInputsFile reads --inputs FILE: one JSON object of input values
// (typed: lists stay lists, numbers numbers).
func ReadInputsFile(path string) (map[string]any, error) {
	b, err := readInputFile(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("--inputs %s: %v", path, err)}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, &InputError{Err: fmt.Errorf("--inputs %s: not a JSON object of input values", path)}
	}
	return m, nil
}

func readInputFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxInputFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxInputFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxInputFileBytes)
	}
	return b, nil
}

// CheckInputSize refuses a run whose inputs cannot travel without a
// payload store: above limit (Temporal's 2 MiB per payload) the server
// would refuse the start with "Blob data size exceeds limit".
func CheckInputSize(inputs map[string]any, limit int) error {
	b, err := json.Marshal(inputs)
	if err != nil || len(b) <= limit {
		return nil
	}
	return &InputError{Err: fmt.Errorf("the run's inputs are %d bytes, over Temporal's payload limit of %d bytes; "+
		"enable the payload store (CORDON_PAYLOAD_STORE, docs/operations.md) so large inputs are stored outside history", len(b), limit)}
}
