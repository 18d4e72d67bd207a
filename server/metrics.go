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
	chat        *prometheus.CounterVec

	unjoined        prometheus.Gauge
	refused         *prometheus.CounterVec
	joinTimeouts    prometheus.Counter
	inbound         prometheus.Counter
	throttled       *prometheus.CounterVec
	throttleSeconds prometheus.Counter
	limits          *prometheus.GaugeVec

	roomsByMode *prometheus.GaugeVec
	sfuAttempts prometheus.Counter
	sfuFailures *prometheus.CounterVec
	sfuRooms    prometheus.Counter
	sfuSwitched prometheus.Counter
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
		chat: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_chat_messages_total", Help: "Chat lines received, by outcome (relayed, too-large, bad-message, rate-limited); their text is never kept.",
		}, []string{"result"}),
		unjoined: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtcterm_signal_unjoined_connections", Help: "Open connections that have not joined a room yet.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_refused_total", Help: "Connections and joins refused by a global limit, by limit (connections, unjoined, unjoined-per-ip, rooms).",
		}, []string{"limit"}),
		joinTimeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_join_timeouts_total", Help: "Connections closed for not joining within the join timeout.",
		}),
		inbound: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_inbound_bytes_total", Help: "Frame payload bytes read from clients.",
		}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_throttled_frames_total", Help: "Frames after which reading paused for the byte budget, by the budget that was exceeded (connection, global).",
		}, []string{"budget"}),
		throttleSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_throttle_seconds_total", Help: "Time connections spent not being read because of the byte budgets.",
		}),
		limits: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rtcterm_signal_limit", Help: "Configured global limits, so dashboards can show usage against them.",
		}, []string{"limit"}),
		roomsByMode: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rtcterm_signal_rooms_by_mode", Help: "Rooms by where their media flows (mesh, sfu).",
		}, []string{"mode"}),
		sfuAttempts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_sfu_switch_attempts_total", Help: "Pre-flight checks of the SFU made to move a room off the mesh, retries included.",
		}),
		sfuFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtcterm_signal_sfu_switch_failures_total", Help: "Pre-flight checks that kept a room on the mesh, by reason (unreachable, refused, other).",
		}, []string{"reason"}),
		sfuRooms: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_sfu_rooms_switched_total", Help: "Rooms moved from the mesh to the SFU.",
		}),
		sfuSwitched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtcterm_signal_sfu_switched_members_total", Help: "Members that reported their SFU room connected (sfu-joined).",
		}),
	}
	for _, mode := range []roomMode{modeMesh, modeSFU} {
		m.roomsByMode.WithLabelValues(string(mode)) // present at 0
	}
	cs := []prometheus.Collector{m.rooms, m.peers, m.connections, m.joins, m.relayed, m.errors, m.dropped, m.chat,
		m.unjoined, m.refused, m.joinTimeouts, m.inbound, m.throttled, m.throttleSeconds, m.limits,
		m.roomsByMode, m.sfuAttempts, m.sfuFailures, m.sfuRooms, m.sfuSwitched}
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
