package runs

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/playbook"
)

// TypedInputs converts --input KEY=VALUE strings to the types the playbook
// declares: numbers and booleans are parsed, lists take JSON or a comma
// separated string, objects take JSON. Unknown keys are errors.
func TypedInputs(pb *playbook.Playbook, raw map[string]string) (map[string]any, error) {
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		in := inputNamed(pb, k)
		if in == nil {
			return nil, fmt.Errorf("playbook %s has no input %q%s", pb.Name, k, declared(pb))
		}
		x, err := typed(in.Type, v)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}

func inputNamed(pb *playbook.Playbook, name string) *playbook.Input {
	for _, in := range pb.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

func declared(pb *playbook.Playbook) string {
	if len(pb.Inputs) == 0 {
		return " (it declares none)"
	}
	names := make([]string, len(pb.Inputs))
	for i, in := range pb.Inputs {
		names[i] = in.Name
	}
	return " (inputs: " + strings.Join(names, ", ") + ")"
}

func typed(t playbook.InputType, v string) (any, error) {
	switch t {
	case playbook.InputNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return f, nil
	case playbook.InputBoolean:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", v)
		}
		return b, nil
	case playbook.InputList:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			var l []any
			if err := json.Unmarshal([]byte(v), &l); err != nil {
				return nil, fmt.Errorf("not a JSON list: %v", err)
			}
			return l, nil
		}
		l, err := spec.ParseList(v)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, nil
	case playbook.InputObject:
		var m map[string]any
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("not a JSON object: %v", err)
		}
		return m, nil
	}
	return v, nil
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

// ParseAlert decodes one alert JSON object.
func ParseAlert(name string, b []byte) (map[string]any, error) {
	var alert map[string]any
	if err := json.Unmarshal(b, &alert); err != nil {
		return nil, fmt.Errorf("alert %s is not a JSON object: %v", name, err)
	}
	if alert == nil {
		return nil, fmt.Errorf("alert %s is not a JSON object", name)
	}
	return alert, nil
}

// AlertID is the alert's id field as a string, "" when absent.
func AlertID(alert map[string]any) string {
	switch id := alert["id"].(type) {
	case string:
		return id
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64)
	}
	return ""
}
