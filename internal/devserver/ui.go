package devserver

import (
	"net"
	"strconv"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// startUI serves the Temporal Web UI (assets embedded in ui-server) on
// host:port, pointed at this server's frontend and namespace, and at the
// remote codec that resolves stored payloads (when codec is set).
func (s *Server) startUI(host string, port int, codec string) {
	s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: s.frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    s.namespace,
		// Plain HTTP on loopback: a Secure cookie would never be sent back.
		CORS:             uiconfig.CORS{CookieInsecure: true},
		HideLogs:         true,
		DisableNewsFetch: true, // no calls to the internet from a dev tool
		Codec:            uiconfig.Codec{Endpoint: codec},
	}))
	s.uiAddr = "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		// Start blocks until Stop. The port was checked by reservePorts; a
		// late bind failure makes the UI server exit the process itself.
		if err := s.ui.Start(); err != nil {
			s.logger.Error("Temporal Web UI stopped", "error", err)
		}
	}()
}
