package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// ApprovalsWaitingQuery is the visibility query behind
// cordon_approvals_waiting: running runs whose CordonState says an
// approval is open (workflows/visible.go keeps it current).
const ApprovalsWaitingQuery = "CordonState = 'waiting_approval' AND ExecutionStatus = 'Running'"

// Series of the approvals collector.
const (
	ApprovalsWaiting            = "cordon_approvals_waiting"
	ApprovalsWaitingScrapeError = "cordon_approvals_waiting_scrape_error"
)

// scrapeTimeout bounds the visibility query of one scrape.
const scrapeTimeout = 5 * time.Second

// approvalsWaiting asks Temporal's visibility at scrape time rather than
// counting in the worker: the number then survives worker restarts and is
// the same on every replica (dashboards take max over instances).
type approvalsWaiting struct {
	c         client.Client
	desc      *prometheus.Desc
	errorDesc *prometheus.Desc
}

// WatchApprovals adds cordon_approvals_waiting, read from c's namespace on
// every scrape. A failed query is reported as
// cordon_approvals_waiting_scrape_error 1 instead of failing the scrape.
func (m *Metrics) WatchApprovals(c client.Client) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&approvalsWaiting{c: c,
		desc: prometheus.NewDesc(ApprovalsWaiting,
			"Runs waiting for an approval decision now (from Temporal visibility).", nil, nil),
		errorDesc: prometheus.NewDesc(ApprovalsWaitingScrapeError,
			"1 when the last visibility query for cordon_approvals_waiting failed.", nil, nil)})
}

func (a *approvalsWaiting) Describe(ch chan<- *prometheus.Desc) {
	ch <- a.desc
	ch <- a.errorDesc
}

func (a *approvalsWaiting) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	resp, err := a.c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: ApprovalsWaitingQuery})
	if err != nil {
		ch <- prometheus.MustNewConstMetric(a.errorDesc, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(a.errorDesc, prometheus.GaugeValue, 0)
	ch <- prometheus.MustNewConstMetric(a.desc, prometheus.GaugeValue, float64(resp.GetCount()))
}
