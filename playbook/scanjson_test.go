package playbook

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// jsonDepth is the real nesting depth and value count of valid JSON, read
// with the standard decoder.
func jsonDepth(b []byte) (depth, values int) {
	dec := json.NewDecoder(bytes.NewReader(b))
	cur := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return depth, values
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			cur++
			depth = max(depth, cur)
			values++
		case json.Delim(']'), json.Delim('}'):
			cur--
		default:
			values++
		}
	}
}

// FuzzScanJSON: whatever valid JSON the pre-scan lets through is within
// its limits for real (the scan may refuse more, never less).
func FuzzScanJSON(f *testing.F) {
	for _, seed := range []string{`{"a": [1, {"b": "x]]]\\"["}]}`, `[[[[]]]]`, `"[[[["`, `{"k": "v\\\\"}`,
		strings.Repeat("[", 70) + strings.Repeat("]", 70)} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || ScanJSON(b) != nil {
			return
		}
		depth, values := jsonDepth(b)
		if depth > maxDepth || values > maxNodes {
			t.Fatalf("ScanJSON accepted depth %d, %d values: %q", depth, values, b)
		}
	})
}
