package devserver

import (
	"fmt"
	enumspb "go.temporal.io/api/enums/v1"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	chasmactivity "go.temporal.io/server/chasm/lib/activity"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	clusterName = "active"

	// devPollRPS and devTaskBatch tune the history queue processors for
	// one host (see serverOptions). Defaults: 20 polls/s, 100 tasks.
	devPollRPS   = 1000
	devTaskBatch = 1000
)

// prepareDatabase returns the SQL configs for path (in-memory when empty)
// of the execution store and, when it has its own, the visibility store
// (nil: visibility shares the execution store), creating the schema and
// the namespace on first use. fresh reports whether the namespace was
// created now, with the current search attributes.
//
// Visibility gets a database of its own (path's -visibility twin): the
// SQLite plugin gives each database one connection, and a visibility
// write (a start, an upsert, a close: each rewrites the run's row and its
// generated columns) held the only connection history had, so steps
// waited behind `cordon list`'s bookkeeping. A data file made before the
// split keeps visibility inside it, so its runs stay listed.
func prepareDatabase(path, namespace string, attrs map[string]enumspb.IndexedValueType) (fresh bool, conf, visConf *config.SQL, err error) {
	visPath := visibilityPath(path)
	split := true
	if path != "" {
		_, mainErr := os.Stat(path)
		_, visErr := os.Stat(visPath)
		split = os.IsNotExist(mainErr) || !os.IsNotExist(visErr)
	}
	conf, fresh, err = openDatabase(path)
	if err != nil {
		return false, nil, nil, err
	}
	if split {
		if visConf, _, err = openDatabase(visPath); err != nil {
			return false, nil, nil, err
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, attrs)
	if err != nil {
		return false, nil, nil, fmt.Errorf("namespace %s: %w", namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(Retention)
	// No-op when the namespace exists (a reused data file).
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return false, nil, nil, fmt.Errorf("creating namespace %s in %s: %w", namespace, describeDB(path), err)
	}
	return fresh, conf, visConf, nil
}

// visibilityPath is the visibility database beside the data file path
// (.cordon/temporal.db: .cordon/temporal-visibility.db); "" for in-memory.
func visibilityPath(path string) string {
	if path == "" {
		return ""
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-visibility" + ext
}

// openDatabase returns the SQL config of one SQLite database at path
// (in-memory when empty), creating its schema when the file is new.
func openDatabase(path string) (conf *config.SQL, fresh bool, err error) {
	conf = &config.SQL{PluginName: sqliteplugin.PluginName}
	if path == "" {
		// A shared-cache in-memory database under a random name: every
		// connection of this server sees it, other servers in the same
		// process (parallel tests) do not. The plugin creates its schema
		// itself when it opens it.
		conf.DatabaseName = "cordon-" + strconv.FormatUint(rand.Uint64(), 36)
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		return conf, true, nil
	}
	conf.DatabaseName = path
	// WAL lets the UI's visibility reads proceed while history writes;
	// synchronous=NORMAL is durable across process crashes (only a power
	// loss can drop the last transactions), which suits a dev store.
	// The plugin wants pragma names without the leading underscore.
	conf.ConnectAttributes = map[string]string{
		"mode": "rwc", "journal_mode": "WAL", "synchronous": "NORMAL",
	}
	if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
		return conf, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, fmt.Errorf("creating data directory: %w", err)
	}
	if err := sqliteschema.SetupSchema(conf); err != nil {
		return nil, false, fmt.Errorf("creating Temporal schema in %s: %w", path, err)
	}
	return conf, true, nil
}

func describeDB(path string) string {
	if path == "" {
		return "in-memory database"
	}
	return path
}

// buildConfig is the static server configuration: the execution store
// sqlConf and, when visConf is set, a visibility store of its own (two
// SQLite files, or PostgreSQL's main and visibility databases), one
// history shard (plenty for one process), archival off, all four services
// on host.
func buildConfig(host string, p ports, sqlConf, visConf *config.SQL) *config.Config {
	addr := func(port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
	svc := func(grpc, http int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpc, HTTPPort: http, BindOnIP: host}}
	}
	var c config.Config
	c.Global.Membership.BroadcastAddress = host
	// Store names are only keys of this configuration: "sqlite-default",
	// "postgres12-visibility".
	c.Persistence.DefaultStore = sqlConf.PluginName + "-default"
	c.Persistence.VisibilityStore = c.Persistence.DefaultStore
	c.Persistence.NumHistoryShards = 1
	c.Persistence.DataStores = map[string]config.DataStore{c.Persistence.DefaultStore: {SQL: sqlConf}}
	if visConf != nil {
		c.Persistence.VisibilityStore = visConf.PluginName + "-visibility"
		c.Persistence.DataStores[c.Persistence.VisibilityStore] = config.DataStore{SQL: visConf}
	}
	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{clusterName: {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             addr(p.frontend),
			HTTPAddress:            addr(p.frontendHTTP),
		}},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	c.Services = map[string]config.Service{
		"frontend": svc(p.frontend, p.frontendHTTP),
		"history":  svc(p.history, 0),
		"matching": svc(p.matching, 0),
		"worker":   svc(p.worker, 0),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	c.PublicClient.HostPort = addr(p.frontend)
	return &c
}

func serverOptions(c *config.Config, logger serverLogger, standalone bool) []temporal.ServerOption {
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range c.Services {
		hosts[primitives.ServiceName(name)] = static.SingleLocalHost(
			net.JoinHostPort(svc.RPC.BindOnIP, strconv.Itoa(svc.RPC.GRPCPort)))
	}
	dyn := dynamicconfig.StaticClient{
		// One process serves everything: a larger history cache avoids
		// reloading mutable state from SQLite on every task.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// Dispatch at once. The history service's queue processors read
		// new tasks (transfer: activity and workflow tasks to matching;
		// timer: timeouts, retries, `wait` steps; visibility: what `cordon
		// list` and the UI see) at most 20 times a second by default, a
		// guard for clusters whose many hosts share one database. One
		// host on SQLite has no one to protect: under steady load this
		// poll rate, not SQLite, was the cost of a step (docs/benchmarks.md).
		dynamicconfig.TransferProcessorMaxPollRPS.Key():   devPollRPS,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():      devPollRPS,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key(): devPollRPS,
		// Read more tasks per poll, so a burst of runs takes fewer reads.
		dynamicconfig.TransferTaskBatchSize.Key():   devTaskBatch,
		dynamicconfig.TimerTaskBatchSize.Key():      devTaskBatch,
		dynamicconfig.VisibilityTaskBatchSize.Key(): devTaskBatch,
		// One matching host: partitions only add forwarding between them
		// (a task on partition 2 waits for a poller that sits on 0).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// The UI and `cordon list` poll visibility; the default per-instance
		// limit (10/s) throttles a single busy analyst.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Search attributes added at startup (ensureSearchAttributes) must be
		// usable immediately, not after the cache's refresh interval.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// Standalone activities off (activity.enableStandalone, on by
		// default in server 1.32: go.temporal.io/server
		// chasm/lib/activity/config.go). Any client of the namespace could
		// otherwise run okta.suspend_users with no workflow around it;
		// the frontend now answers StartActivityExecution with
		// "Standalone activity is disabled" (chasm/lib/activity/frontend.go).
		// Cordon's activities refuse such calls themselves too
		// (activities/origin.go); this closes the door one layer earlier.
		chasmactivity.Enabled.Key(): standalone,
	}
	return []temporal.ServerOption{
		temporal.WithConfig(c),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	}
}
