package runs

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/cordonsec/cordon/playbook"
	"github.com/cordonsec/cordon/workflows"
)

// StringInputs turns --input KEY=VALUE pairs into run inputs. They stay
// strings here: Playbook.InputsWithDefaults (called by Start) converts each
// to its declared type and reports undeclared keys, so the CLI, the webhook
// and child playbooks share one set of input rules.
func StringInputs(raw map[string]string) map[string]any {
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		out[k] = v
	}
	return out
}

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
