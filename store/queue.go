package store

import (
	"sync"
	"time"
)

// Queue carries actions from an engine (rtc, lkengine, the handover) to
// whoever reduces them (the UI, the headless output) without ever making
// the engine wait: Push never blocks, and one Forward goroutine moves the
// actions to a channel in order. The rules, each relied on by a caller:
//
//   - Bound. At most the limit given to NewQueue is held, so a call whose
//     actions nobody reads (a demo bot, a reader far behind) runs in bounded
//     memory.
//   - Superseding kinds. Some actions set one piece of state outright, and
//     the reducer reads that piece for nothing else: a peer's media state
//     (UpdateRemoteMedia), a peer's or the call's error
//     (SetConnectionError), the signaling state (UpdateSignaling), the local
//     switches (ToggleAudio, ToggleVideo, ToggleScreenShare,
//     ToggleLowBandwidth) and the audio output (SetAudioOutput). Of these
//     only the newest of a kind (per peer where there is one) decides the
//     state. Statuses (UpdateConnectionStatus) are not among them: the
//     reducer checks every move against the one before, and a status to
//     connected clears the peer's error. Nor are stats
//     (UpdateConnectionStats), which append to a history.
//   - Merging in place. What a remote party can flood, a peer's media state
//     and error, is merged: while one is queued and only such actions came
//     after it, a newer one of its kind replaces it in place, so a flood
//     costs one slot per peer. The newer one never moves before an action
//     of another sort, and the merging ones it moves before set other
//     pieces of state, so the reduced state comes out the same; a reader
//     only misses intermediate values it was too slow to see. The local switches and the signaling
//     state are not merged while there is room: each one the user or the
//     connection makes reaches the reader, in order.
//   - When full, superseded actions go first: every queued action of a
//     superseding kind that a newer one of its kind follows, the one
//     being pushed included, is removed (the reduced state is again the
//     same: the newer one overwrites it whatever came between).
//   - If that frees nothing, the new action is refused: Push reports false
//     and Stats counts it. What the queue has accepted reaches the reader,
//     itself or through a newer one of its kind (until the grace after
//     Close runs out), so the caller's log of what Push refused is the
//     whole story; dropping the oldest instead would lose, unseen, an
//     action the caller was told was kept, such as the join that every
//     later action about that peer needs.
//   - Close. After Close, pushes are refused (not counted: the engine is
//     ending) and Forward delivers what is queued. A reader still there
//     gets the grace passed to Forward in all once the queue is closed (not
//     per action: a slow reader and a long queue must not add up); what it
//     has not taken by then is abandoned, so ending a call never depends
//     on a reader. Before Close, Forward waits for the reader as long as it
//     takes: the bound, not a timeout, keeps memory in check.
//
// A Queue is safe for any number of pushing goroutines; Forward (or a
// consumer of Ready and Take) runs in one.
type Queue struct {
	mu     sync.Mutex
	items  []Action
	limit  int
	closed bool
	ready  chan struct{} // capacity 1: "there may be items"
	ended  chan struct{} // closed by Close
	// run holds, for each key of a merging kind, the index in items of the
	// queued action with that key, while only merging actions came after
	// it: the ones a newer action of the same key may replace in place. Any
	// other push, or a Take, clears it.
	run map[queueKey]int
	// newest holds the index of the newest queued action of each key;
	// superseded counts queued actions that have a newer one of their key
	// behind them, which compaction would remove.
	newest     map[queueKey]int
	superseded int
	stats      QueueStats
}

// QueueStats counts what a Queue did instead of holding an action.
type QueueStats struct {
	// Dropped counts pushes refused because the queue was full.
	Dropped uint64
	// Coalesced counts actions that a newer one of the same kind replaced
	// or superseded instead of both taking a slot.
	Coalesced uint64
	// Abandoned counts actions nobody took within the grace after Close.
	Abandoned uint64
}

// queueKey names the piece of state a coalescing action sets.
type queueKey struct {
	kind queueKind
	peer string // for per-peer kinds; "" is never a peer (AddPeerConnection refuses it)
}

type queueKind uint8

const (
	keyMedia queueKind = iota + 1
	keyError
	keySignaling
	keyAudio
	keyVideo
	keyScreen
	keyLowBandwidth
	keyAudioOutput
)

// queueRule says how the queue may treat an action.
type queueRule uint8

const (
	eachCounts    queueRule = iota // kept as pushed
	lastWins                       // a superseding kind: removed when full once a newer one follows
	mergesInPlace                  // lastWins, and merged in place while only such actions follow
)

// coalesceKey reports the piece of state a sets and how it supersedes;
// see the Queue rules for why exactly these.
func coalesceKey(a Action) (queueKey, queueRule) {
	switch a := a.(type) {
	case UpdateRemoteMedia:
		return queueKey{keyMedia, a.PeerID}, mergesInPlace
	case SetConnectionError:
		return queueKey{keyError, a.PeerID}, mergesInPlace
	case UpdateSignaling:
		return queueKey{kind: keySignaling}, lastWins
	case ToggleAudio:
		return queueKey{kind: keyAudio}, lastWins
	case ToggleVideo:
		return queueKey{kind: keyVideo}, lastWins
	case ToggleScreenShare:
		return queueKey{kind: keyScreen}, lastWins
	case ToggleLowBandwidth:
		return queueKey{kind: keyLowBandwidth}, lastWins
	case SetAudioOutput:
		return queueKey{kind: keyAudioOutput}, lastWins
	}
	return queueKey{}, eachCounts
}

// NewQueue returns an open queue that holds at most limit actions
// (at least one).
func NewQueue(limit int) *Queue {
	return &Queue{
		limit:  max(limit, 1),
		ready:  make(chan struct{}, 1),
		ended:  make(chan struct{}),
		run:    map[queueKey]int{},
		newest: map[queueKey]int{},
	}
}

// Push queues a by the rules of Queue and reports whether it was kept
// (queued or merged into a queued action). It never blocks.
func (q *Queue) Push(a Action) bool {
	k, how := coalesceKey(a)
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if i, ok := q.run[k]; ok && how == mergesInPlace {
		q.items[i] = a // the push that queued items[i] has signalled Ready
		q.stats.Coalesced++
		q.mu.Unlock()
		return true
	}
	if len(q.items) >= q.limit {
		if _, ok := q.newest[k]; ok && how != eachCounts {
			q.newest[k] = -1 // a supersedes the queued one: compact removes it
			q.superseded++
		}
		if q.superseded > 0 {
			q.compact()
		}
	}
	if len(q.items) >= q.limit {
		q.stats.Dropped++
		q.mu.Unlock()
		return false
	}
	if how != eachCounts {
		if _, ok := q.newest[k]; ok {
			q.superseded++
		}
		q.newest[k] = len(q.items)
	}
	if how == mergesInPlace {
		q.run[k] = len(q.items)
	} else if len(q.run) > 0 {
		clear(q.run) // what came before a may no longer move past it
	}
	q.items = append(q.items, a)
	q.mu.Unlock()
	q.wake()
	return true
}

// compact removes every action that a newer one of its key follows,
// keeping the order of the rest, and rebuilds the indexes. Called with
// q.mu held.
func (q *Queue) compact() {
	kept := q.items[:0]
	for i, a := range q.items {
		if k, how := coalesceKey(a); how != eachCounts && q.newest[k] != i {
			continue
		}
		kept = append(kept, a)
	}
	clear(q.items[len(kept):]) // let the removed actions be collected
	q.stats.Coalesced += uint64(len(q.items) - len(kept))
	q.items = kept
	q.superseded = 0
	clear(q.newest)
	clear(q.run)
	for i, a := range q.items {
		if k, how := coalesceKey(a); how != eachCounts {
			q.newest[k] = i
		}
	}
	for i := len(q.items) - 1; i >= 0; i-- { // the merging actions at the tail
		k, how := coalesceKey(q.items[i])
		if how != mergesInPlace {
			break
		}
		q.run[k] = i
	}
}

// Ready is signalled after a push or Close: there may be something to
// Take. It holds at most one signal, so a consumer takes everything each
// time it fires.
func (q *Queue) Ready() <-chan struct{} { return q.ready }

// Take removes and returns every queued action, and reports whether the
// queue is closed: then these are the last actions it will ever hold.
func (q *Queue) Take() (items []Action, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items, closed = q.items, q.closed
	q.items = nil
	q.superseded = 0
	clear(q.run)
	clear(q.newest)
	return items, closed
}

// Close refuses further pushes and wakes the consumer, which may have
// taken the last signal before Close and would otherwise wait forever.
// Calling it again does nothing.
func (q *Queue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.mu.Unlock()
	close(q.ended)
	q.wake()
}

// Stats reports what the queue has dropped, coalesced and abandoned.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats
}

func (q *Queue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Forward moves the queued actions to out, in order, and closes out when
// it returns. While the queue is open it waits as long as the reader
// takes; it returns once the queue is closed and everything is delivered,
// or grace after Close with the rest abandoned (the count it returns, also
// in Stats). It returns only after Close: whoever starts it closes the
// queue when the engine ends.
func (q *Queue) Forward(out chan<- Action, grace time.Duration) (abandoned int) {
	defer close(out)
	ended := q.ended // nil once the grace has started
	var expired <-chan time.Time
	for {
		items, last := q.Take()
		for i, a := range items {
			select {
			case out <- a: // a reader that is there wins over an expired grace
				continue
			default:
			}
			for sent := false; !sent; {
				select {
				case out <- a:
					sent = true
				case <-ended:
					ended = nil
					t := time.NewTimer(grace)
					defer t.Stop() // runs once: ended is nil from now on
					expired = t.C
				case <-expired:
					return q.abandon(len(items) - i)
				}
			}
		}
		if last {
			return 0
		}
		<-q.ready // Close signals it too
	}
}

// abandon counts n actions in hand and whatever is still queued as
// abandoned, once the grace after Close is over.
func (q *Queue) abandon(n int) int {
	rest, _ := q.Take()
	n += len(rest)
	q.mu.Lock()
	q.stats.Abandoned += uint64(n)
	q.mu.Unlock()
	return n
}
