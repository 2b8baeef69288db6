package oktasim

import (
	"fmt"
	"net/http"
)

// apiError is one Okta error response. Every error the simulator sends goes
// through it so that every body carries all five fields Okta's Management API
// sends (errorCode, errorSummary, errorLink, errorId, errorCauses).
type apiError struct {
	status  int
	code    string
	summary string
	causes  []string
	// uuidID marks System Log errors, whose errorId is a UUID rather than the
	// "oae…" form used by the rest of the Management API.
	uuidID bool
}

func (e *apiError) Error() string { return e.code + ": " + e.summary }

// The constructors below hold the error code table in one place: status codes
// and summaries come from Okta's error-codes.json.

func errValidation(summaryField string, causes ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000001", summary: "Api validation failed: " + summaryField, causes: causes}
}

func errMalformed() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000003", summary: "The request body was not well-formed."}
}

func errForbidden() *apiError {
	return &apiError{status: http.StatusForbidden, code: "E0000006", summary: "You do not have permission to perform the requested action"}
}

// errNotFound renders Okta's real 404 summary, e.g.
// "Not found: Resource not found: nzo… (NetworkZone)".
func errNotFound(id, kind string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "E0000007", summary: fmt.Sprintf("Not found: Resource not found: %s (%s)", id, kind)}
}

func errNoRoute() *apiError {
	return &apiError{status: http.StatusNotFound, code: "E0000008", summary: "The requested path was not found"}
}

func errInternal() *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "E0000009", summary: "Internal Server Error"}
}

func errInvalidToken() *apiError {
	return &apiError{status: http.StatusUnauthorized, code: "E0000011", summary: "Invalid token provided"}
}

func errAlreadyActive() *apiError {
	return &apiError{status: http.StatusForbidden, code: "E0000016", summary: "Activation failed because the user is already active"}
}

func errBadStatus() *apiError {
	return &apiError{status: http.StatusForbidden, code: "E0000038", summary: "This operation is not allowed in the user's current status."}
}

func errMethod() *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "E0000022", summary: "The endpoint does not support the provided HTTP method"}
}

func errPaging() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000029", summary: "Invalid paging request."}
}

func errSearch() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000031", summary: "Invalid search criteria."}
}

func errSearchAndFilter() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000033", summary: "Bad request. Can't specify a search query and filter in the same request."}
}

func errRateLimited() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "E0000047", summary: "API call exceeded rate limit due to too many requests."}
}

func errUnsupported() *apiError {
	return &apiError{status: http.StatusNotImplemented, code: "E0000060", summary: "Unsupported operation."}
}

func errTooManyGroups() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000093", summary: "Target count limit exceeded", causes: []string{"The number of group targets is too large"}}
}

// System Log errors (texts from Okta's System Log query guide).

func errLogFilter(summary string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000053", summary: summary, uuidID: true}
}

func errLogOperator(op, field string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000031", uuidID: true,
		summary: fmt.Sprintf("The supplied combination of operator and field is not currently supported. Operator: %s, Field: %s", op, field)}
}

func errLogDate(param string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000001", uuidID: true,
		summary: fmt.Sprintf("Api validation failed: '%[1]s': The date format in your query is not recognized. Please enter dates using ISO8601 string format. '%[1]s': must be a valid date-time or empty.", param),
		causes: []string{
			param + ": The date format in your query is not recognized. Please enter dates using ISO8601 string format.",
			param + ": must be a valid date-time or empty.",
		}}
}

type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func (s *Sim) writeError(w http.ResponseWriter, e *apiError) {
	id := s.ids.errorID()
	if e.uuidID {
		id = s.ids.uuid()
	}
	body := errorBody{ErrorCode: e.code, ErrorSummary: e.summary, ErrorLink: e.code, ErrorID: id, ErrorCauses: []errorCause{}}
	for _, c := range e.causes {
		body.ErrorCauses = append(body.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, e.status, body)
}
