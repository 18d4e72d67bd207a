package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus instruments, registered per Server so
// tests can run many servers in one process.
type metrics struct {
	rooms       prometheus.Gauge
	peers       prometheus.Gauge
	connections prometheus.Gauge
	joins       *prometheus.CounterVec
	relayed     *prometheus.CounterVec
	errors      *prometheus.CounterVec
	dropped     *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, own bool) (*metrics, error) {
	m := &metrics{
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtcterm_signal_rooms", Help: "Rooms with at least one member.",
		}),
		peers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtcterm_signal_peers", Help: "Room members, including those inside the resume grace period.",
		}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtcterm_signal_connections", Help: "Open WebSocket connections.",
		}),
		joins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_joins_total", Help: "Successful joins by kind (new, resumed).",
		}, []string{"kind"}),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_relayed_messages_total", Help: "Frames relayed to peers, by message type, counted per recipient.",
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_errors_total", Help: "Error frames sent, by code.",
		}, []string{"code"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_peers_dropped_total", Help: "Memberships ended by the server, by reason (grace-expired, slow-consumer).",
		}, []string{"reason"}),
	}
	cs := []prometheus.Collector{m.rooms, m.peers, m.connections, m.joins, m.relayed, m.errors, m.dropped}
	if own {
		cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
