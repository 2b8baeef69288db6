// Package pbtest runs playbook tests: the cases of `*.test.yaml` files
// beside the playbooks (docs/testing.md), each against a fresh simulated
// Okta org (internal/oktasim) with the real workflows and activities
// (internal/engine) on the Temporal SDK's test environment.
//
// Why the SDK's test environment and not the embedded server: it runs the
// same workflow and activity code in-process without a Temporal server, so
// the cordon CLI stays free of the server's code (a 150 MB link), a case
// takes about 0.1 s, and timers (approval deadlines, retry backoff, wait:
// steps) are skipped instead of waited for. What it does not exercise
// (persistence, matching, search attributes in a real visibility store) is
// covered by internal/e2e on the embedded server. docs/testing.md has the
// measurements.
package pbtest
