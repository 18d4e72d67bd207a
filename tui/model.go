package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/rtcterm/rtcterm/store"
)

// Model is the UI: the connection slice plus what only the screen needs
// (size, selection, colour grades, the notification and the event log). It
// is a value: Update returns a new Model and never mutates shared data.
type Model struct {
	opts  Options
	state store.State
	now   time.Time // the clock as of the last message, so View is pure

	width, height int
	selected      string // peer id of the selected row, "" when none
	grades        map[string]peerGrades
	notice        notice
	events        []Event
	busy          ops // engine operations in flight, so keys do not stack them
	keys          keyMap
	showHelp      bool
	helpScroll    int                   // first line of the help panel shown
	joined        bool                  // signaling has been connected at least once
	focused       bool                  // the selected peer's tile fills the video grid
	gridOnly      bool                  // Esc put the grid back over a peer's screen share
	videoView     bool                  // t: the video grid instead of the stats table
	frames        map[string]VideoFrame // newest picture per peer; replaced, never mutated
	sentTiles     map[string]TileSize   // the tiles the video source was last told about
	chat          chatInput             // c: the chat pane and the line being typed
	picker        devicePicker          // D: the device picker
	volumes       map[string]float64    // per-peer volume set with + - 0; replaced, never mutated
	unmuted       map[string]float64    // the volume to go back to when 0 unmutes a peer
	leaving       bool
	err           error
}

// New returns the UI model for a call.
func New(opts Options) Model {
	opts = opts.withDefaults()
	m := Model{
		opts:   opts,
		state:  opts.Initial,
		now:    opts.Now(),
		width:  80,
		height: 24,
		keys:   newKeyMap(),
		joined: opts.Initial.Signaling.Status == store.SignalingConnected,
	}
	m.selected = m.firstPeer()
	for _, id := range store.SelectPeerIDs(m.state) {
		m = m.regrade(id) // a state handed over with stats is graded at once
	}
	return m
}

// Init starts the stats polling loop.
func (m Model) Init() tea.Cmd {
	return m.tick()
}

// State returns the connection slice as the UI last saw it.
func (m Model) State() store.State { return m.state }

// Events returns the recent event log, oldest first.
func (m Model) Events() []Event { return m.events }

// Err returns the error the UI quit with: a Fatal message's error or the
// Engine's error from leaving the call; nil after a clean exit.
func (m Model) Err() error { return m.err }

// Selected returns the peer id of the selected row, "" when there is none.
func (m Model) Selected() string { return m.selected }

// Fatal asks the UI to quit with an error, which Run returns once the
// terminal is restored: send it to the program, or cancel Run's context
// with it as the cause (context.WithCancelCause) for an error the call
// cannot survive.
type Fatal struct{ Err error }

// Error returns the fatal error's text.
func (f Fatal) Error() string { return f.Err.Error() }

// Unwrap returns the fatal error.
func (f Fatal) Unwrap() error { return f.Err }

// ops is a set of engine operations in flight.
type ops uint8

const (
	opAudio ops = 1 << iota
	opVideo
	opScreen
	opRetry
	opDump
	opDevice
)
