package testutil

import (
	"fmt"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Scrape is one /metrics answer, parsed.
type Scrape map[string]*dto.MetricFamily

// ScrapeURL GETs url and parses Prometheus' text format.
func ScrapeURL(url string) (Scrape, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var p expfmt.TextParser
	return p.TextToMetricFamilies(resp.Body)
}

// Sum adds the values (counter, gauge, or a histogram's sample count) of
// the series of name whose labels include every pair of match; ok is false
// when no series matched.
func (s Scrape) Sum(name string, match map[string]string) (sum float64, ok bool) {
	f := s[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !hasLabels(m, match) {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, ok
}

// Labels lists the label sets of name's series.
func (s Scrape) Labels(name string) []map[string]string {
	var out []map[string]string
	if f := s[name]; f != nil {
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out = append(out, l)
		}
	}
	return out
}

func hasLabels(m *dto.Metric, match map[string]string) bool {
	n := 0
	for _, p := range m.GetLabel() {
		if v, ok := match[p.GetName()]; ok {
			if v != p.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(match)
}
