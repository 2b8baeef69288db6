package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHealthzReflectsReadiness(t *testing.T) {
	h := &health{}
	get := func() int {
		rec := httptest.NewRecorder()
		h.serveHealthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code
	}
	require.Equal(t, http.StatusServiceUnavailable, get(), "not ready before the worker polls")
	h.ready.Store(true)
	require.Equal(t, http.StatusOK, get())
	h.ready.Store(false)
	require.Equal(t, http.StatusServiceUnavailable, get(), "not ready once shutdown begins")
}
