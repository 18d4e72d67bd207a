package tui

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// EventLogLen bounds the event log kept for the diagnostics dump.
const EventLogLen = 256

// maxDetailBytes bounds the description of one event (an SDP is long).
const maxDetailBytes = 240

// Event is one entry of the event log: an action the UI applied, or an
// error it met, with the time it happened.
type Event struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`            // e.g. "UpdateConnectionStatus", or "engine" for command errors
	PeerID string    `json:"peer_id,omitempty"` // the peer it concerns, if any
	Detail string    `json:"detail,omitempty"`  // the action's fields
	Error  string    `json:"error,omitempty"`   // why it changed nothing, or what failed
}

// routine reports whether an action is too frequent and unremarkable to
// log: successful stats samples are kept in each peer's history instead.
func routine(a store.Action) bool {
	switch a.(type) {
	case store.CollectConnectionStatsPending, store.CollectConnectionStatsFulfilled, store.UpdateConnectionStats:
		return true
	}
	return false
}

// actionEvent describes an applied action for the log.
func actionEvent(at time.Time, a store.Action, err error) Event {
	e := Event{At: at, Action: strings.TrimPrefix(fmt.Sprintf("%T", a), "store.")}
	v := reflect.ValueOf(a)
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("PeerID"); f.IsValid() && f.Kind() == reflect.String {
			e.PeerID = f.String()
		}
	}
	e.Detail = fmt.Sprintf("%+v", a)
	if len(e.Detail) > maxDetailBytes {
		e.Detail = strings.ToValidUTF8(e.Detail[:maxDetailBytes], "") + "…"
	}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}

// logEvent returns m with e appended to a fresh copy of the bounded log,
// so models handed out earlier keep their own log.
func (m Model) logEvent(e Event) Model {
	keep := m.events
	if len(keep) >= EventLogLen {
		keep = keep[len(keep)-EventLogLen+1:]
	}
	log := make([]Event, len(keep), len(keep)+1)
	copy(log, keep)
	m.events = append(log, e)
	return m
}
