package tui

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/rtcterm/rtcterm/store"
)

// EventLogLen bounds the event log kept for the diagnostics dump.
const EventLogLen = 256

// Bounds of an event's detail (an SDP is long): the bytes of one string
// in it and the items of one list.
const (
	maxDetailString = 120
	maxDetailItems  = 16
)

// Event is one entry of the event log: an action the UI applied, or an
// error it met, with the time it happened.
type Event struct {
	At     time.Time       `json:"at"`
	Action string          `json:"action"`            // e.g. "UpdateConnectionStatus", or "engine" for command errors
	PeerID string          `json:"peer_id,omitempty"` // the peer it concerns, if any
	Detail json.RawMessage `json:"detail,omitempty"`  // the action's fields, as JSON
	Error  string          `json:"error,omitempty"`   // why it changed nothing, or what failed
}

// routine reports whether an action is too frequent and unremarkable to
// log: successful stats samples are kept in each peer's history instead.
func routine(a store.Action) bool {
	switch a.(type) {
	case store.CollectConnectionStatsPending, store.CollectConnectionStatsFulfilled, store.UpdateConnectionStats:
		return true
	case store.ChatReceived, store.ChatSent, store.ChatRead:
		return true // the conversation is not diagnostics: it stays out of the log and the dump
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
	e.Detail = jsonDetail(a)
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

// jsonDetail encodes v as an event's detail: JSON, with long strings and
// lists shortened so one event stays small and the dump stays readable
// by any JSON tool.
func jsonDetail(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(fmt.Sprintf("%T: %v", v, err))
		return data
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return data
	}
	short, err := json.Marshal(shorten(tree))
	if err != nil {
		return data
	}
	return short
}

// shorten cuts the strings and lists of a decoded JSON value to the
// detail bounds.
func shorten(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > maxDetailString {
			return strings.ToValidUTF8(v[:maxDetailString], "") + "…"
		}
	case map[string]any:
		for k, x := range v {
			v[k] = shorten(x)
		}
	case []any:
		if len(v) > maxDetailItems {
			v = append(v[:maxDetailItems:maxDetailItems], fmt.Sprintf("… %d more", len(v)-maxDetailItems))
		}
		for i, x := range v {
			v[i] = shorten(x)
		}
		return v
	}
	return v
}
