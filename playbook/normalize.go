package playbook

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// normalize makes an expression result JSON-shaped: map[string]any, []any,
// string, int, float64, bool or nil. Times become RFC 3339 strings and
// durations Go duration strings, so results survive the workflow's JSON
// payloads unchanged.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, float64:
		return x
	case []any:
		for i, e := range x {
			if n := normalize(e); !shallowSame(n, e) {
				out := make([]any, len(x))
				copy(out, x[:i])
				out[i] = n
				for j := i + 1; j < len(x); j++ {
					out[j] = normalize(x[j])
				}
				return out
			}
		}
		return x
	case map[string]any:
		for _, e := range x {
			if n := normalize(e); !shallowSame(n, e) {
				out := make(map[string]any, len(x))
				for k, e2 := range x {
					out[k] = normalize(e2)
				}
				return out
			}
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return x.String()
	case int64:
		return int(x)
	case int32:
		return int(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int(x)
		}
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		if i, err := strconv.Atoi(string(x)); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case StepResult:
		return map[string]any{"output": normalize(x.Output), "status": x.Status, "error": normalize(x.Error)}
	case *StepError:
		if x == nil {
			return nil
		}
		return map[string]any{"message": x.Message, "okta_code": x.OktaCode, "http_status": x.HTTPStatus}
	}
	return normalizeReflect(v)
}

// shallowSame reports whether normalize left a value as it was; values that
// are not comparable (maps, slices) are compared by identity of kind only,
// since normalize returns them unchanged when their contents are fine.
func shallowSame(a, b any) bool {
	switch b.(type) {
	case nil, string, bool, int, float64:
		return a == b
	case []any, map[string]any:
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() &&
			reflect.TypeOf(a) == reflect.TypeOf(b)
	}
	return false
}

// normalizeReflect handles other slices, maps and structs by a JSON round
// trip: rare (typed results of custom code), so simplicity wins.
func normalizeReflect(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int(rv.Uint())
	case reflect.Slice:
		if rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			out[fmt.Sprint(it.Key().Interface())] = normalize(it.Value().Interface())
		}
		return out
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return normalize(rv.Elem().Interface())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return fmt.Sprint(v)
	}
	return out
}

// typeName names a value's type in the playbook's terms.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int64, float64, float32, uint64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "mapping"
	}
	return fmt.Sprintf("%T", v)
}
